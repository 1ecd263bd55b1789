"""``secgate explain RULE``: one rule's text, severity, CWE, fix, documentation and examples.

The rule is found in the catalogue ``secgate rules`` prints (every selected scanner's
:meth:`~secgate.plugins.Scanner.rules`, with the closest config's options), then read in
full from where that scanner keeps it:

- semgrep: the rule's YAML (its whole message and references) and the test file beside it
  (``name.py``, ``name.sh``, ``name.dockerfile`` or ``name.test.yaml`` next to
  ``name.yaml``), whose ``# ruleid: ID`` and ``# ok: ID`` annotations mark the next
  statement as a flagged and a not-flagged example;
- bandit: the test's own documentation (the plugin's docstring, or the blacklist entry's
  message and the calls or imports it flags) and bandit's documentation page;
- secrets: the rule's description, fix advice (``help``), keywords and pattern;
- other scanners: what their catalogue says.

An unknown id exits 2 and names the closest ids (:mod:`difflib`). Rule files configured in
the project are the project's text: every line printed is escaped like any other tree text.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import re
import textwrap
from pathlib import Path
from typing import Any, TextIO

from secgate.cli.exitcodes import EXIT_ERROR, EXIT_PASS
from secgate.cli.rules import _rule_rows
from secgate.errors import UsageError
from secgate.escape import escape_text, safe_line

#: How many example lines of each kind are shown, and how many lines one example may span.
MAX_EXAMPLES = 6
MAX_EXAMPLE_LINES = 8
_ANNOTATION = re.compile(r"#\s*(ruleid|ok|todoruleid|todook)\s*:\s*(.+)$")
_BANDIT_TITLE = re.compile(r"^\**B\d{3}:.*$", re.MULTILINE)


def cmd_explain(args: argparse.Namespace, stdout: TextIO) -> int:
    query = str(args.rule).strip()
    rows, missing = _rule_rows(
        argparse.Namespace(
            rules_scanners=args.explain_scanners or None, rules_config=args.explain_config
        )
    )
    matches = find_rules(rows, query)
    as_json = args.explain_format == "json"
    if not matches:
        suggestions = suggest([str(row["id"]) for row in rows], query)
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        message = f"unknown rule {query!r}{hint} (`secgate rules` lists every rule)"
        if missing:
            names = ", ".join(entry["scanner"] for entry in missing)
            message += f"; not searched, as they cannot run here: {names}"
        if as_json:
            error = {"rule": query, "error": message, "suggestions": suggestions}
            stdout.write(json.dumps(error, indent=2) + "\n")
            return EXIT_ERROR
        raise UsageError(message)
    entries = [describe(row, args.explain_config) for row in matches]
    if as_json:
        stdout.write(json.dumps({"rules": entries}, indent=2, ensure_ascii=False) + "\n")
    else:
        stdout.write("\n\n".join(render_text(entry) for entry in entries) + "\n")
    return EXIT_PASS


def find_rules(rows: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """The catalogue rows *query* names: ``ID`` or ``scanner/ID``, exact, else ignoring case."""
    scanner, _, rule_id = query.rpartition("/") if "/" in query else ("", "", query)
    candidates = [row for row in rows if not scanner or row["scanner"] == scanner]
    if scanner and not candidates:  # a rule id with a slash in it (a registry config)
        candidates, rule_id = rows, query
    exact = [row for row in candidates if row["id"] == rule_id]
    if exact:
        return exact
    return [row for row in candidates if str(row["id"]).casefold() == rule_id.casefold()]


def suggest(ids: list[str], query: str, limit: int = 5) -> list[str]:
    """The ids closest to *query*: those containing it first, then :mod:`difflib`'s."""
    folded = query.casefold().rpartition("/")[2]
    unique = list(dict.fromkeys(ids))
    containing = [i for i in unique if folded and folded in i.casefold()]
    by_fold = {i.casefold(): i for i in unique}
    close = difflib.get_close_matches(folded, list(by_fold), n=limit, cutoff=0.6)
    return list(dict.fromkeys([*containing, *(by_fold[c] for c in close)]))[:limit]


# --------------------------------------------------------------------------- details


def describe(row: dict[str, Any], config: str | None) -> dict[str, Any]:
    """Everything known about the catalogue *row*'s rule, as plain data."""
    entry: dict[str, Any] = {
        "id": row["id"],
        "scanner": row["scanner"],
        "severity": row["severity"],
        "cwe": [
            {"id": n, "url": f"https://cwe.mitre.org/data/definitions/{n}.html"} for n in row["cwe"]
        ],
        "title": row["description"],
        "text": row["description"],
        "fix": None,
        "references": [],
        "examples": {"flagged": [], "not_flagged": []},
        "source": None,
    }
    readers = {"semgrep": _semgrep, "bandit": _bandit, "secrets": _secrets}
    reader = readers.get(str(row["scanner"]))
    if reader is not None:
        entry.update(reader(str(row["id"]), _options(str(row["scanner"]), config)))
    return entry


def _options(scanner: str, config: str | None) -> Any:
    """The scanner's validated options from the closest config (or *config*)."""
    from secgate.engine import resolve_config, scanner_options  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    loaded = resolve_config([Path.cwd()], config)
    return scanner_options(make_plugin_host(), loaded.config, loaded).get(scanner)


def _shown_path(path: Path) -> str:
    """*path* relative to the current folder or to the installed package, else absolute."""
    import secgate  # noqa: PLC0415

    resolved = path.resolve()
    for base in (Path.cwd().resolve(), Path(secgate.__file__).resolve().parent.parent):
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return resolved.as_posix()


def _semgrep(rule_id: str, options: Any) -> dict[str, Any]:
    from secgate.config import discover  # noqa: PLC0415
    from secgate.scanners.semgrep.options import SemgrepOptions  # noqa: PLC0415
    from secgate.scanners.semgrep.rules import load_rule_set  # noqa: PLC0415

    opts = options if isinstance(options, SemgrepOptions) else SemgrepOptions()
    cwd = Path.cwd()
    rule = load_rule_set(opts, discover(cwd).root or cwd).rules.get(rule_id)
    if rule is None:  # a registry config: nothing local to read
        return {}
    details: dict[str, Any] = {
        "text": " ".join(rule.message.split()),
        "confidence": rule.confidence.value,
        "references": list(rule.references),
        "source": _shown_path(rule.source),
    }
    fix = rule.raw.get("fix")
    if isinstance(fix, str) and fix.strip():
        details["fix"] = f"semgrep's autofix rewrites the match as: {fix.strip()}"
    test_file = rule_test_file(rule.source)
    if test_file is not None:
        details["examples"] = annotated_examples(test_file, rule_id)
        details["examples_source"] = _shown_path(test_file)
    return details


def rule_test_file(source: Path) -> Path | None:
    """The test file beside a rule file: same name, another extension (``x.py`` for
    ``x.yaml``; ``x.dockerfile``, ``x.sh``, ``x.test.yaml`` for the other languages)."""
    stem = source.name.rsplit(".", 1)[0]
    try:
        siblings = sorted(source.parent.iterdir())
    except OSError:
        return None
    for path in siblings:
        if path != source and path.name.startswith(stem + ".") and path.is_file():
            return path
    return None


def annotated_examples(path: Path, rule_id: str) -> dict[str, list[str]]:
    """The lines a semgrep test file marks ``# ruleid: ID`` (flagged) and ``# ok: ID``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {"flagged": [], "not_flagged": []}
    found: dict[str, list[str]] = {"flagged": [], "not_flagged": []}
    for number, line in enumerate(lines):
        match = _ANNOTATION.search(line)
        if not match or match.group(1).startswith("todo"):
            continue
        ids = {part.strip() for part in match.group(2).split(",")}
        if rule_id not in ids:
            continue
        kind = "flagged" if match.group(1) == "ruleid" else "not_flagged"
        example = _statement_after(lines, number, inline=line[: match.start()].strip())
        if example and len(found[kind]) < MAX_EXAMPLES:
            found[kind].append(example)
    return found


def _statement_after(lines: list[str], index: int, *, inline: str) -> str:
    """The code an annotation on line *index* is about: its own line's code, else the next
    statement, with its continuation (open brackets, a trailing backslash, more-indented
    lines such as a YAML block), up to :data:`MAX_EXAMPLE_LINES` lines."""
    if inline:
        return inline
    taken: list[str] = []
    depth = 0
    indent = 0
    for line in lines[index + 1 : index + 1 + 4 * MAX_EXAMPLE_LINES]:
        if _ANNOTATION.search(line) or (not taken and not line.strip()):
            if taken:
                break
            continue
        if taken:
            deeper = bool(line.strip()) and len(line) - len(line.lstrip()) > indent
            if depth <= 0 and not taken[-1].rstrip().endswith("\\") and not deeper:
                break
        else:
            indent = len(line) - len(line.lstrip())
        taken.append(line)
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if len(taken) == MAX_EXAMPLE_LINES:
            break
    return textwrap.dedent("\n".join(taken)).strip()


def _bandit(rule_id: str, _options: Any) -> dict[str, Any]:
    from bandit.core import docs_utils, extension_loader  # noqa: PLC0415

    manager = extension_loader.MANAGER
    details: dict[str, Any] = {}
    url = str(docs_utils.get_url(rule_id) or "")
    if url:
        details["references"] = [url]
    plugin = manager.plugins_by_id.get(rule_id)
    if plugin is not None:
        doc = inspect.cleandoc(plugin.plugin.__doc__ or "")
        body = _BANDIT_TITLE.sub("", doc, count=1).strip()
        if body:
            details["text"] = body
        return details
    entry = manager.blacklist_by_id.get(rule_id)
    if entry is not None:
        names = ", ".join(str(name) for name in entry.get("qualnames", ()))
        what = "imports of" if str(rule_id).startswith("B4") else "calls to"
        details["text"] = f"{entry['message']}\n\nIt flags {what}: {names}."
        level = str(entry.get("level") or "").lower()
        if level:
            details["severity_note"] = f"bandit rates it {level} by default"
    return details


def _secrets(rule_id: str, options: Any) -> dict[str, Any]:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    scanner = make_plugin_host().scanners()["secrets"].cls()
    rule = scanner.load_rules(options).by_id().get(rule_id)  # type: ignore[attr-defined]
    if rule is None:
        return {}
    return {
        "text": rule.description,
        "fix": rule.help,
        "confidence": rule.confidence.value,
        "keywords": list(rule.keywords),
        "pattern": rule.regex,
        "source": _shown_path(Path(rule.source)) if rule.source else None,
    }


# --------------------------------------------------------------------------- text


def render_text(entry: dict[str, Any]) -> str:
    """*entry* for a terminal: every line escaped (rule files can be the project's)."""
    out = [f"{entry['scanner']}/{entry['id']}: {entry['title']}"]
    facts = [f"severity {entry['severity'] or 'varies per finding'}"]
    if entry.get("severity_note"):
        facts[0] += f" ({entry['severity_note']})"
    if entry.get("confidence"):
        facts.append(f"confidence {entry['confidence']}")
    facts += [f"CWE-{cwe['id']}" for cwe in entry["cwe"]]
    out.append("  " + " · ".join(facts))
    if entry.get("source"):
        out.append(f"  rule file: {entry['source']}")
    if entry["text"] != entry["title"]:
        out += ["", *_wrapped(entry["text"])]
    if entry.get("fix"):
        out += ["", "Fix:", *_wrapped(entry["fix"], "  ")]
    if entry.get("keywords"):
        out += ["", "Keywords: " + ", ".join(entry["keywords"])]
    if entry.get("pattern"):
        out += ["Pattern: " + entry["pattern"]]
    links = [*entry["references"], *(cwe["url"] for cwe in entry["cwe"])]
    if links:
        out += ["", "Documentation:", *(f"  {url}" for url in dict.fromkeys(links))]
    examples = entry["examples"]
    origin = f" (from {entry['examples_source']})" if entry.get("examples_source") else ""
    for kind, title in (("flagged", "Flagged"), ("not_flagged", "Not flagged")):
        if examples[kind]:
            out += ["", f"{title}{origin}:"]
            for example in examples[kind]:
                out += [f"  {line}" for line in example.splitlines()]
    return "\n".join(safe_line(escape_text(line)) for line in out)


def _wrapped(text: str, indent: str = "") -> list[str]:
    """*text* wrapped at 88 columns, its paragraphs (and indented blocks) kept."""
    lines: list[str] = []
    for paragraph in str(text).split("\n\n"):
        if any(line.startswith((" ", "|", "-", "+", ">")) for line in paragraph.splitlines()):
            lines += [f"{indent}{line}" for line in paragraph.splitlines()]  # a block: as is
        else:
            lines += textwrap.wrap(
                " ".join(paragraph.split()), 88, initial_indent=indent, subsequent_indent=indent
            )
        lines.append("")
    while lines and not lines[-1]:
        lines.pop()
    return lines
