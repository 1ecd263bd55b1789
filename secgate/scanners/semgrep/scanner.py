"""The semgrep scanner: secgate's rule pack (and the user's rules) through the semgrep CLI.

semgrep runs as a subprocess (an argument list, never a shell) with ``--metrics=off`` and
``--disable-version-check`` (without it every offline run spends ~98 s retrying a server
lookup), on exactly the files secgate collected: file names are passed explicitly, after
``--`` and ``./``-prefixed, so semgrep's own ``tests/``-skipping defaults, ``.semgrepignore``
and ``.gitignore`` never drop a file, and a name starting with ``-`` is never an option.
semgrep's settings and log go to a temporary folder, never ``~/.semgrep``; it starts in a
session of its own so a timeout or a cancelled run kills its whole process group.

Its exit code is never trusted alone: the JSON ``errors`` array is read (semgrep exits 0
after internal errors). A parse error in one file lists that file as skipped with semgrep's
reason and the scan goes on. semgrep aborts its whole run over one target it cannot take, so
such files (unreadable, gone, not a regular file, no owner read bit) are listed as skipped
before it starts, and should it still name one as an invalid scanning root, or fail over a
file that is gone or unreadable by then (the file changed meanwhile), that run is repeated
once without it. Every skipped file names its gap kind. A rule or config error, a crash,
invalid JSON or a timeout is a :class:`~secgate.errors.ScannerError` (the gate fails closed).

A Python file that Python reads otherwise than semgrep would (CR-only line endings, a
``coding:`` declaration such as ``utf-7``) is analysed from a copy of the text Python reads,
in a private folder outside the tree: see :mod:`secgate.scanners.semgrep_targets`.

``nosemgrep`` comments: semgrep runs with ``--disable-nosem`` so that those findings come
back, and writes a SARIF copy in which it marks the ones its own ``nosemgrep`` logic
suppressed; they are reported with ``suppressed_by="inline:nosemgrep"``, never dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote

from pydantic import Field

from secgate import process
from secgate.config import ScannerOptions
from secgate.errors import ScannerError, SecgateError
from secgate.models import Confidence, Finding, GapKind, Severity, SkippedFile
from secgate.plugins import (
    Availability,
    RuleInfo,
    ScanContext,
    Scanner,
    ScanOutput,
    bundled_rules,
    hookimpl,
    package_version,
)
from secgate.scanners.semgrep_targets import (
    TARGET_ERROR_KINDS,
    SourceCopy,
    error_kind,
    first_kind,
    gone_while_running,
    invalid_roots,
    private_base,
    split_targets,
    unscannable_targets,
)
from secgate.trust import PATH, PROGRAM, trusted

NAME = "semgrep"
INSTALL_HINT = "pip install 'secgate-ci[semgrep]'"
#: Environment variable naming the semgrep executable (checked before PATH).
BINARY_ENV = "SECGATE_SEMGREP"
#: OCaml runtime settings for semgrep-core unless the user set ``OCAMLRUNPARAM``: a 4M-word
#: minor heap (see :func:`child_environment`).
OCAML_RUNTIME_PARAMS = "s=4M"
NOSEMGREP = "inline:nosemgrep"
#: The one config file the local rules are merged into for a scan.
MERGED_CONFIG = "secgate-rules.yaml"
#: How secgate hands files to semgrep, in the cache token: results cached before files were
#: read as Python reads them (CR line ends, declared codings) must not be reused.
READING = "python-reading-2"
#: Longest reason kept for a skipped file (semgrep quotes the offending source).
REASON_MAX = 300

#: Longest snippet secgate keeps (lines), so a finding over a whole file stays readable.
SNIPPET_MAX_LINES = 12
#: Bytes of argument list per semgrep start (file names beyond it go to another start);
#: half of ARG_MAX leaves room for the environment and for systems that count differently.
ARG_BUDGET = max(32 * 1024, (os.sysconf("SC_ARG_MAX") if hasattr(os, "sysconf") else 32768) // 2)

#: Findings of these CWEs flag a credential in the code: their snippet is withheld so a
#: report never repeats the secret (the fingerprint still covers the flagged lines).
SECRET_CWES = frozenset({256, 257, 259, 312, 321, 522, 540, 798})

#: Languages semgrep knows, and the file name endings it analyses them in (from semgrep's
#: own ``lang.json``). A language missing here makes every file a candidate.
LANGUAGE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "python": (".py", ".pyi"),
    "bash": (".bash", ".sh"),
    "dockerfile": (".dockerfile", ".Dockerfile", "Dockerfile", "dockerfile"),
    "yaml": (".yml", ".yaml"),
    "json": (".json", ".ipynb"),
    "js": (".cjs", ".js", ".jsx", ".mjs"),
    "ts": (".ts", ".tsx"),
    "go": (".go",),
    "java": (".java",),
    "ruby": (".rb",),
    "php": (".php", ".tpl", ".phtml"),
    "c": (".c", ".h"),
    "cpp": (
        *(".cc", ".cpp", ".cxx", ".c++", ".pcc", ".tpp", ".C"),
        *(".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp"),
    ),
    "csharp": (".cs",),
    "kotlin": (".kt", ".kts", ".ktm"),
    "rust": (".rs",),
    "scala": (".scala",),
    "swift": (".swift",),
    "terraform": (".tf", ".tofu", ".hcl", ".tfvars"),
    "html": (".htm", ".html"),
    "xml": (".xml", ".plist"),
    "lua": (".lua",),
    "ocaml": (".ml", ".mli"),
    "solidity": (".sol",),
    "elixir": (".ex", ".exs"),
    "r": (".r", ".R"),
    "julia": (".jl",),
    "dart": (".dart",),
    "clojure": (".clj", ".cljs", ".cljc", ".edn"),
    "jsonnet": (".jsonnet", ".libsonnet"),
    "apex": (".cls",),
    "powershell": (".ps1",),
    "vue": (".vue",),
}
LANGUAGE_ALIASES = {
    "py": "python",
    "python2": "python",
    "python3": "python",
    "sh": "bash",
    "docker": "dockerfile",
    "javascript": "js",
    "typescript": "ts",
    "golang": "go",
    "c++": "cpp",
    "c#": "csharp",
    "kt": "kotlin",
    "tf": "terraform",
    "hcl": "terraform",
    "sol": "solidity",
    "ex": "elixir",
}

#: semgrep error types that concern one target file: the file is listed as skipped (with
#: semgrep's reason and the gap kind of :data:`TARGET_ERROR_KINDS`) and the scan goes on.
#: Anything else is a scanner error.
_TARGET_ERRORS = frozenset(TARGET_ERROR_KINDS)

_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)
_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}


class SemgrepOptions(ScannerOptions):
    """``[tool.secgate.scanners.semgrep]``."""

    rules: tuple[str, ...] = Field(
        default=(),
        description="More rule files or folders, relative to the project root (the config "
        "file's folder). With registry = true an entry that is not a local path is passed "
        "to semgrep as a registry config (p/python, r/..., a URL).",
        json_schema_extra=trusted(PATH),
    )
    bundled_rules: bool = Field(
        default=True, description="Run secgate's own rule pack (rules/semgrep)."
    )
    registry: bool = Field(
        default=False,
        description="Allow registry configs in `rules` (they need network). Off: semgrep "
        "never goes online, and a `rules` entry that is not a local path is an error. "
        "Never from the scanned tree's own config.",
        json_schema_extra=trusted(PROGRAM),
    )
    exclude_rules: tuple[str, ...] = Field(
        default=(), description="Rule ids not to run (semgrep --exclude-rule)."
    )
    binary: str | None = Field(
        default=None,
        description="The semgrep executable (default: $SECGATE_SEMGREP, then the one "
        "installed next to secgate's Python, then semgrep on PATH). Never from the "
        "scanned tree's own config.",
        json_schema_extra=trusted(PROGRAM),
    )


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One semgrep rule as read from its YAML file."""

    id: str
    languages: tuple[str, ...]
    severity: Severity
    confidence: Confidence
    message: str
    cwe: tuple[int, ...]
    references: tuple[str, ...]
    has_path_filter: bool
    source: Path
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The rule as written, for the merged config semgrep gets."""


@dataclass(frozen=True)
class RuleSet:
    """The rules a scan runs: those read from local rule files, and registry configs."""

    files: tuple[Path, ...]
    """Every local rule file, sorted (what the cache token hashes)."""
    rules: dict[str, Rule] = field(default_factory=dict)
    registry: tuple[str, ...] = ()

    def active(self, excluded: Iterable[str]) -> dict[str, Rule]:
        """The rules that run, without *excluded* ids."""
        skip = set(excluded)
        return {rule_id: rule for rule_id, rule in self.rules.items() if rule_id not in skip}

    def write_config(self, path: Path, excluded: Iterable[str]) -> list[tuple[int, int, Rule]]:
        """Write every active local rule into one config file; return each rule's lines.

        semgrep validates each config file in a round trip of its own: 62 files took
        12 s to load where one file with the same rules takes under a second. The file is
        block YAML whose scalars are all JSON literals (JSON strings are YAML strings), so
        every pattern reads back exactly as written and semgrep's error positions point at
        the rule, which the returned line ranges map back to its source file.
        """
        lines = ["rules:"]
        spans: list[tuple[int, int, Rule]] = []
        for rule in self.active(excluded).values():
            block = _yaml_lines([dict(rule.raw)], 2)
            spans.append((len(lines) + 1, len(lines) + len(block), rule))
            lines.extend(block)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return spans


def _yaml_scalar(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _yaml_lines(value: object, indent: int) -> list[str]:
    """Block YAML for *value* with every scalar written as a JSON literal."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = _yaml_scalar(str(key))
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{name}:")
                lines.extend(_yaml_lines(item, indent + 2))
            else:
                lines.append(f"{pad}{name}: {_yaml_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _yaml_lines(item, indent + 2)
                nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
                lines.extend(nested)
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    else:
        lines.append(f"{pad}{_yaml_scalar(value)}")
    return lines


def _is_rule_file(path: Path) -> bool:
    """semgrep's test for a config file in a folder: .yml/.yaml, not a test or fix file."""
    suffixes = [s.lower() for s in path.suffixes]
    if not suffixes or suffixes[-1] not in (".yml", ".yaml"):
        return False
    return ".test" not in suffixes[:-1] and ".fixed" not in suffixes[:-1]


def _rule_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and _is_rule_file(p)
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_cwes(value: object) -> tuple[int, ...]:
    """CWE ids from ``metadata.cwe`` (a string like ``"CWE-78: ..."`` or a list of them)."""
    items = value if isinstance(value, list) else [value]
    found: list[int] = []
    for item in items:
        if isinstance(item, str | int):
            for match in _CWE.findall(str(item)):
                number = int(match)
                if number not in found:
                    found.append(number)
    return tuple(found)


def _references(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(str(item) for item in items if isinstance(item, str) and item.strip())


def map_severity(severity: object, metadata: Mapping[str, Any] | None) -> Severity:
    """secgate's severity for a semgrep rule or result.

    ``metadata.severity`` (a secgate severity name) wins, then ``metadata.impact``
    (HIGH/MEDIUM/LOW, as in semgrep's registry), then the rule's own severity:
    ERROR -> high, WARNING -> medium, INFO -> low (semgrep's newer CRITICAL/HIGH/MEDIUM/LOW
    map to themselves).
    """
    meta = metadata or {}
    explicit = meta.get("severity")
    if isinstance(explicit, str) and explicit.lower() in Severity._value2member_map_:
        return Severity(explicit.lower())
    impact = meta.get("impact")
    if isinstance(impact, str) and impact.upper() in ("HIGH", "MEDIUM", "LOW"):
        return Severity(impact.lower())
    if isinstance(severity, str) and severity.upper() in _SEVERITIES:
        return _SEVERITIES[severity.upper()]
    return Severity.MEDIUM


def map_confidence(metadata: Mapping[str, Any] | None) -> Confidence:
    """``metadata.confidence`` (HIGH/MEDIUM/LOW), medium when absent."""
    value = (metadata or {}).get("confidence")
    if isinstance(value, str) and value.lower() in Confidence._value2member_map_:
        return Confidence(value.lower())
    return Confidence.MEDIUM


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str, limit: int = 300) -> str:
    """The first sentence of *text* on one line, for listings; ``$IMAGE`` reads ``<image>``."""
    flat = re.sub(
        r"\$([A-Z][A-Z0-9_]*)", lambda m: f"<{m.group(1).lower()}>", " ".join(text.split())
    )
    match = re.search(r"(?<=[.!?])\s", flat)
    return _clip(flat[: match.start()] if match else flat, limit)


#: Parsed rule files by (path, size, mtime): one run reads them for the cache token, the rule
#: listing and the scan; a pure-Python YAML parse of the pack costs ~0.1 s each time.
_PARSED: dict[tuple[str, int, int], list[Rule]] = {}


def _read_rules(path: Path) -> list[Rule]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise ScannerError(f"{path}: cannot read semgrep rules: {exc.strerror or exc}") from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _PARSED:
        _PARSED[key] = _parse_rules(path)
    return list(_PARSED[key])


def _parse_rules(path: Path) -> list[Rule]:
    import yaml  # noqa: PLC0415 - heavy import only when rules are read

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506  # nosec B506 - a safe loader
    except OSError as exc:
        raise ScannerError(f"{path}: cannot read semgrep rules: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise ScannerError(f"{path}: invalid YAML in semgrep rules: {reason}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ScannerError(f"{path}: not a semgrep rule file (expected a top-level `rules:` list)")
    rules = []
    for index, raw in enumerate(data["rules"]):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ScannerError(f"{path}: rules[{index}] has no `id`")
        metadata = _mapping(raw.get("metadata"))
        languages = raw.get("languages") or []
        rules.append(
            Rule(
                id=raw["id"],
                languages=tuple(str(lang).lower() for lang in languages)
                if isinstance(languages, list)
                else (),
                severity=map_severity(raw.get("severity"), metadata),
                confidence=map_confidence(metadata),
                message=str(raw.get("message") or ""),
                cwe=parse_cwes(metadata.get("cwe")),
                references=_references(metadata.get("references")),
                has_path_filter=bool(raw.get("paths")),
                source=path,
                raw=raw,
            )
        )
    return rules


def load_rule_set(options: SemgrepOptions, base: Path) -> RuleSet:
    """The rule configs *options* ask for, relative paths resolved against *base*.

    Raises :class:`ScannerError` for a missing path, a registry config without
    ``registry = true``, an unreadable or invalid rule file, or an empty rule set.
    """
    roots: list[Path] = []
    registry: list[str] = []
    if options.bundled_rules:
        roots.append(bundled_rules("semgrep"))
    for entry in options.rules:
        candidate = Path(entry).expanduser()
        if not candidate.is_absolute():
            candidate = base / candidate
        if candidate.exists():
            roots.append(candidate.resolve())
        elif options.registry:
            registry.append(entry)
        else:
            raise ScannerError(
                f"scanners.semgrep.rules: {entry!r} is not a file or folder under {base}; "
                "registry configs (p/..., r/..., URLs) need scanners.semgrep.registry = true "
                "and network access"
            )
    files: list[Path] = []
    for root in roots:
        found = _rule_files(root)
        if not found:
            raise ScannerError(f"scanners.semgrep.rules: {root} holds no .yml/.yaml rule file")
        files.extend(found)
    rules: dict[str, Rule] = {}
    for path in files:
        for rule in _read_rules(path):
            if rule.id in rules:
                raise ScannerError(
                    f"semgrep rule id {rule.id!r} is defined twice ({rules[rule.id].source} and "
                    f"{path}): rename one (ids must be unique across the rule pack and "
                    "scanners.semgrep.rules)"
                )
            rules[rule.id] = rule
    if not rules and not registry:
        raise ScannerError(
            "no semgrep rules to run: scanners.semgrep.bundled-rules is false and "
            "scanners.semgrep.rules is empty"
        )
    return RuleSet(
        files=tuple(files),
        rules=rules,
        registry=tuple(registry),
    )


def _suffixes_for(language: str) -> tuple[str, ...] | None:
    key = LANGUAGE_ALIASES.get(language, language)
    return LANGUAGE_SUFFIXES.get(key)


def candidate_files(files: Sequence[str], rules: Iterable[Rule], registry: bool) -> list[str]:
    """The files some rule could analyse: by name ending for known languages, all otherwise."""
    suffixes: set[str] = set()
    for rule in rules:
        for language in rule.languages:
            known = _suffixes_for(language)
            if known is None:  # generic, regex or a language this table does not know
                return list(files)
            suffixes.update(known)
    if registry:  # registry rules are unknown until semgrep fetches them
        return list(files)
    ordered = tuple(sorted(suffixes))
    return [f for f in files if f.endswith(ordered)]


def expected_files(files: Sequence[str], rules: Iterable[Rule]) -> dict[str, str]:
    """Files semgrep must analyse, each with one rule that targets it.

    Only rules without a ``paths`` filter and with a known language count: for them
    semgrep has no reason to leave a matching file out, so one it did not scan is a gap.
    """
    by_suffix: list[tuple[tuple[str, ...], str]] = []
    for rule in rules:
        if rule.has_path_filter:
            continue
        for language in rule.languages:
            known = _suffixes_for(language)
            if known:
                by_suffix.append((known, rule.id))
    expected: dict[str, str] = {}
    for name in files:
        for suffixes, rule_id in by_suffix:
            if name.endswith(suffixes):
                expected[name] = rule_id
                break
    return expected


# --------------------------------------------------------------------------- running


def find_binary(configured: str | None = None) -> str | None:
    """The semgrep executable: *configured*, ``$SECGATE_SEMGREP``, secgate's own
    environment (next to ``sys.executable``, where ``pip install 'secgate-ci[semgrep]'``
    puts it, so its version matches the package metadata), then PATH."""
    for explicit in (configured, os.environ.get(BINARY_ENV)):
        if explicit:
            path = Path(explicit).expanduser()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
            return shutil.which(explicit)
    sibling = shutil.which("semgrep", path=str(Path(sys.executable).parent))
    return sibling or shutil.which("semgrep")


def chunk_targets(targets: Sequence[str], budget: int) -> list[list[str]]:
    """Split *targets* so that each chunk's arguments fit in *budget* bytes.

    Each argument costs its UTF-8 length, its terminating NUL and its pointer (8 bytes).
    """
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for target in targets:
        cost = len(os.fsencode(target)) + 9
        if current and used + cost > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(target)
        used += cost
    if current:
        chunks.append(current)
    return chunks


def child_environment(binary: str, home: Path) -> dict[str, str]:
    """The environment semgrep runs with: no login, no metrics, nothing in ``~``.

    Every inherited ``SEMGREP_*`` variable is dropped: a token would log in, ``SEMGREP_RULES``
    would add rules and ``SEMGREP_BASELINE_COMMIT`` would hide findings. Settings, log and
    version cache go to *home*, a temporary folder that also stands in for ``HOME``.
    """
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SEMGREP_")}
    # A `pip install --user` semgrep lives under the real home's user base: keep finding it.
    if "PYTHONUSERBASE" not in env and os.name == "posix":
        with contextlib.suppress(RuntimeError, KeyError):
            env["PYTHONUSERBASE"] = str(Path.home() / ".local")
    # semgrep re-executes `pysemgrep` and `semgrep-core` found on PATH: take the ones that
    # came with this binary, not another installation's.
    env["PATH"] = os.pathsep.join([str(Path(binary).parent), env.get("PATH", os.defpath)])
    # semgrep-core is OCaml 5: with its default 256k-word minor heap, its parallel workers
    # stop each other for a minor collection thousands of times a second. 4M words (32 MB
    # per worker) cut its CPU time by about a third on the Django tree
    # (benchmarks/semgrep_tuning.py). A value the user set is kept.
    env.setdefault("OCAMLRUNPARAM", OCAML_RUNTIME_PARAMS)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home),
            "XDG_CACHE_HOME": str(home),
            "SEMGREP_SETTINGS_FILE": str(home / "settings.yml"),
            "SEMGREP_LOG_FILE": str(home / "semgrep.log"),
            "SEMGREP_VERSION_CACHE_PATH": str(home / "version-cache"),
            "SEMGREP_SEND_METRICS": "off",
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "NO_COLOR": "1",
        }
    )
    return env


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class RunOutput:
    """What one semgrep start produced."""

    returncode: int
    stdout: Path
    stderr: Path
    sarif: Path


def run_semgrep(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    workdir: Path,
    context: ScanContext,
    deadline: float,
    sarif: Path,
) -> RunOutput:
    """Start semgrep in a session of its own and wait for it, watching the deadline and
    ``context.cancel``; on either, kill its whole process group and raise."""
    stdout_path = workdir / "stdout.json"
    stderr_path = workdir / "stderr.txt"
    try:
        done = process.run(
            argv,
            cwd=cwd,
            env=env,
            timeout=max(deadline - time.monotonic(), 0.0),
            cancel=context.cancel,
            stdout=stdout_path,
            stderr=stderr_path,
            on_start=context.launched,
        )
    except process.ProcessStartError as exc:
        raise ScannerError(
            f"cannot start semgrep ({exc.program}): {exc.reason} ({INSTALL_HINT})"
        ) from None
    except process.ProcessCancelled:
        raise ScannerError("semgrep was stopped: the run gave up on this scanner") from None
    except process.ProcessTimeout:
        raise ScannerError(
            f"semgrep did not finish within {context.timeout:g} s and was stopped "
            "(raise scanners.semgrep.timeout if the tree is large)"
        ) from None
    returncode = done.returncode
    return RunOutput(returncode=returncode, stdout=stdout_path, stderr=stderr_path, sarif=sarif)


# --------------------------------------------------------------------------- output


def _error_type(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    return re.sub(r"[\s_]", "", str(kind or "")).lower()


def printable(text: str, keep: str = "") -> str:
    """*text* with control characters (binary content quoted by semgrep) escaped."""
    return "".join(
        c if c.isprintable() or c in keep else f"\\x{ord(c):02x}" if ord(c) < 256 else "\ufffd"
        for c in text
    )


def _error_message(error: Mapping[str, Any]) -> str:
    for key in ("message", "long_msg", "short_msg"):
        value = error.get(key)
        if isinstance(value, str) and value.strip():
            return printable(" ".join(value.split()))
    kind = error.get("type")
    return f"semgrep error {kind!r}" if kind else "semgrep error"


def _error_origin(
    error: Mapping[str, Any], rules: Mapping[str, Rule], spans: Sequence[tuple[int, int, Rule]]
) -> str:
    """`` (rule X in FILE)`` for an error about one of secgate's merged rules, else ``""``."""
    rule_id = error.get("rule_id")
    if isinstance(rule_id, str) and rule_id in rules:
        return f" (rule {rule_id} in {rules[rule_id].source})"
    for span in error.get("spans") or []:
        if not isinstance(span, dict) or not str(span.get("file", "")).endswith(MERGED_CONFIG):
            continue
        line = int((span.get("start") or {}).get("line", 0))
        for first, last, rule in spans:
            if first <= line <= last:
                return f" (rule {rule.id} in {rule.source})"
    return ""


def _relative(path: str, root: Path) -> str:
    text = path.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    if text.startswith("/"):
        with contextlib.suppress(ValueError):
            return Path(text).relative_to(root).as_posix()
    return text


def parse_json_output(stdout: Path, returncode: int, stderr: Path) -> dict[str, Any]:
    """semgrep's JSON document, or a :class:`ScannerError` saying why there is none."""
    try:
        text = stdout.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:  # pragma: no cover - our own temporary file
        raise ScannerError(f"cannot read semgrep's output: {exc}") from None
    if not text.strip():
        detail = _tail(stderr) or "no output"
        raise ScannerError(f"semgrep exited with code {returncode} and wrote no JSON: {detail}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        detail = _tail(stderr)
        raise ScannerError(
            f"semgrep (exit code {returncode}) wrote invalid JSON ({exc.msg} at line "
            f"{exc.lineno})" + (f": {detail}" if detail else "")
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ScannerError(
            f"semgrep (exit code {returncode}) wrote JSON without a results list; "
            "is this semgrep's JSON format?"
        )
    return data


def suppressed_keys(sarif: Path) -> set[tuple[str, str, int, int, int, int]]:
    """The results semgrep's own ``nosemgrep`` logic suppressed, from its SARIF copy."""
    try:
        data = json.loads(sarif.read_text(encoding="utf-8"))
    except OSError:
        raise ScannerError(
            "semgrep wrote no SARIF copy, so nosemgrep suppressions cannot be read"
        ) from None
    except json.JSONDecodeError as exc:
        raise ScannerError(f"semgrep's SARIF copy is invalid JSON: {exc.msg}") from None
    keys: set[tuple[str, str, int, int, int, int]] = set()
    for run in data.get("runs") or []:
        for result in run.get("results") or []:
            if not result.get("suppressions"):
                continue
            for location in result.get("locations") or []:
                physical = location.get("physicalLocation") or {}
                uri = (physical.get("artifactLocation") or {}).get("uri", "")
                region = physical.get("region") or {}
                keys.add(
                    (
                        str(result.get("ruleId", "")),
                        unquote(str(uri)).removeprefix("./"),
                        int(region.get("startLine", 0)),
                        int(region.get("startColumn", 0)),
                        int(region.get("endLine", region.get("startLine", 0))),
                        int(region.get("endColumn", 0)),
                    )
                )
    return keys


class _Lines:
    """Reads each flagged file once for snippets."""

    def __init__(self, root: Path, texts: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.cache: dict[str, list[str] | None] = {}
        # Files semgrep analysed from a copy: their lines are the copy's (as Python reads).
        for rel, text in (texts or {}).items():
            self.cache[rel] = text.split("\n")

    def snippet(self, rel: str, start: int, end: int) -> str | None:
        if rel not in self.cache:
            try:
                text = (self.root / rel).read_bytes().decode("utf-8", "replace")
            except OSError:
                self.cache[rel] = None
            else:
                # Lines as semgrep counts them: "\n" only (splitlines() also splits on
                # form feeds and other separators, which would shift the numbers).
                self.cache[rel] = [line.removesuffix("\r") for line in text.split("\n")]
        lines = self.cache[rel]
        if not lines or start < 1 or start > len(lines):
            return None
        last = min(max(end, start), len(lines), start + SNIPPET_MAX_LINES - 1)
        return printable("\n".join(lines[start - 1 : last]), keep="\n\t")


@dataclass
class _Collected:
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    scanned: set[str] = field(default_factory=set)
    skipped_rules: list[Any] = field(default_factory=list)
    suppressed: set[tuple[str, str, int, int, int, int]] = field(default_factory=set)
    version: str | None = None
    runs: int = 0
    unscannable: dict[str, SkippedFile] = field(default_factory=dict)
    """Targets left out because semgrep could not take them, each with its gap."""
    gaps: dict[str, SkippedFile] = field(default_factory=dict)
    """Targets semgrep analysed, but not as Python reads them (an undecodable coding)."""
    copies: dict[str, SourceCopy] = field(default_factory=dict)
    """Targets semgrep analysed from a copy of the text Python reads."""


def _rule_id(check_id: str, known: Mapping[str, Rule]) -> str:
    """The rule's own id (semgrep prefixes ids with the rule file's folder unless told not
    to; ``--no-rewrite-rule-ids`` is passed, and this strips a prefix that slips through)."""
    if check_id in known:
        return check_id
    for rule_id in known:
        if check_id.endswith("." + rule_id):
            return rule_id
    return check_id


def build_finding(
    result: Mapping[str, Any],
    *,
    root: Path,
    rules: Mapping[str, Rule],
    lines: _Lines,
    suppressed: set[tuple[str, str, int, int, int, int]],
) -> Finding:
    """A secgate finding from one entry of semgrep's ``results``."""
    check_id = str(result.get("check_id", ""))
    rule_id = _rule_id(check_id, rules)
    extra = result.get("extra") or {}
    metadata = _mapping(extra.get("metadata"))
    start = result.get("start") or {}
    end = result.get("end") or {}
    raw_path = str(result.get("path", ""))
    rel = _relative(raw_path, root)
    line = int(start.get("line", 0)) or None
    end_line = int(end.get("line", 0)) or line
    column = int(start.get("col", 0)) or None
    key = (
        check_id,
        raw_path.removeprefix("./"),
        int(start.get("line", 0)),
        int(start.get("col", 0)),
        int(end.get("line", 0)),
        int(end.get("col", 0)),
    )
    cwe = parse_cwes(metadata.get("cwe"))
    rule = rules.get(rule_id)
    if not cwe and rule is not None:
        cwe = rule.cwe
    references = _references(metadata.get("references"))
    snippet = None
    properties: dict[str, str | int | float | bool | None] = {}
    if line is not None:
        if SECRET_CWES.intersection(cwe):
            properties["snippet_withheld"] = True
        else:
            snippet = lines.snippet(rel, line, end_line or line)
    if end.get("col"):
        properties["end_column"] = int(end["col"])
    if check_id != rule_id:
        properties["semgrep_check_id"] = check_id
    message = " ".join(str(extra.get("message") or (rule.message if rule else "")).split())
    return Finding(
        scanner=NAME,
        rule_id=rule_id or "semgrep",
        severity=map_severity(extra.get("severity"), metadata),
        confidence=map_confidence(metadata),
        message=message or rule_id,
        path=rel,
        line=line,
        end_line=end_line,
        column=column,
        cwe=cwe,
        help_url=references[0] if references else None,
        snippet=snippet,
        properties=properties,
        suppressed_by=NOSEMGREP if key in suppressed else None,
    )


# --------------------------------------------------------------------------- the scanner


def _project_root() -> Path:
    """Where relative rule paths resolve outside a scan: the closest config's folder."""
    from secgate.config import discover  # noqa: PLC0415

    cwd = Path.cwd()
    return discover(cwd).root or cwd


class SemgrepScanner(Scanner):
    """semgrep with secgate's rule pack (``rules/semgrep``) and any configured rules."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "semgrep CLI with secgate's rule pack: Python, GitHub Actions, Dockerfile, GitLab CI, shell"
    )
    Options: ClassVar[type[ScannerOptions]] = SemgrepOptions
    per_file: ClassVar[bool] = True
    external_process: ClassVar[bool] = True

    def version(self) -> str | None:
        """semgrep's package version (metadata only: starting semgrep costs seconds)."""
        return package_version("semgrep")

    def availability(self) -> Availability:
        """Whether a semgrep executable can be found (see :func:`find_binary`)."""
        if find_binary() is not None:
            return Availability(ok=True)
        return Availability(
            ok=False,
            reason="semgrep executable not found (looked at $SECGATE_SEMGREP, next to "
            f"{sys.executable} and on PATH)",
            hint=INSTALL_HINT,
        )

    def __init__(self) -> None:
        self._suffixes: tuple[str, ...] | None = None

    def _remember_targets(self, ruleset: RuleSet, options: SemgrepOptions) -> None:
        """Remember which file endings the active rules target, for :meth:`handles`."""
        active = ruleset.active(options.exclude_rules).values()
        suffixes: set[str] = set()
        for rule in active:
            for language in rule.languages:
                known = _suffixes_for(language)
                if known is None:
                    self._suffixes = None  # generic/regex rules: every file
                    return
                suffixes.update(known)
        self._suffixes = None if ruleset.registry else tuple(sorted(suffixes))

    def handles(self, path: str) -> bool:
        """Whether some active rule targets *path*'s file type.

        Uses the rules of the options last seen by :meth:`cache_token` (the result cache
        calls it first) or :meth:`scan`; before either, every file (a safe superset: a file
        the cache thinks unhandled is never scanned).
        """
        return self._suffixes is None or path.endswith(self._suffixes)

    def _options(self, options: ScannerOptions) -> SemgrepOptions:
        if isinstance(options, SemgrepOptions):
            return options
        return SemgrepOptions.model_validate(options.model_dump())

    def cache_token(self, options: ScannerOptions) -> str:
        """Version, options, the content hash of every rule file, registry names with
        today's date (registry rules change upstream; a day-old cache is the limit), and
        :data:`READING` (how secgate hands files to semgrep)."""
        opts = self._options(options)
        digest = hashlib.sha256()
        try:
            ruleset = load_rule_set(opts, _project_root())
        except SecgateError:
            # The rules cannot be read from here (a relative path from another folder):
            # a token that never repeats means no cache hit, never a stale one.
            digest.update(os.urandom(16))
            self._suffixes = None
        else:
            self._remember_targets(ruleset, opts)
            for path in ruleset.files:
                digest.update(str(path.name).encode() + b"\0")
                try:
                    digest.update(path.read_bytes())
                except OSError as exc:  # pragma: no cover - raced with a deletion
                    digest.update(f"unreadable:{exc}".encode())
                digest.update(b"\0")
            if ruleset.registry:
                day = datetime.now(UTC).date().isoformat()
                digest.update(f"registry:{','.join(ruleset.registry)}:{day}".encode())
        token = f"{super().cache_token(opts)}|rules:{digest.hexdigest()}"
        return f"{token}|reading:{READING}"

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """Every rule the options enable, read from the rule files."""
        opts = self._options(options)
        ruleset = load_rule_set(opts, _project_root())
        infos = [
            RuleInfo(
                id=rule.id,
                scanner=NAME,
                severity=rule.severity,
                description=one_line(rule.message) or rule.id,
                cwe=rule.cwe,
            )
            for rule in ruleset.active(opts.exclude_rules).values()
        ]
        infos.extend(
            RuleInfo(
                id=config,
                scanner=NAME,
                severity=None,
                description="semgrep registry config (its rules are fetched when scanning)",
            )
            for config in ruleset.registry
        )
        return sorted(infos, key=lambda info: info.id)

    def scan(self, context: ScanContext) -> ScanOutput:
        """Run semgrep on the candidate files among ``context.files``."""
        opts = self._options(context.options)
        ruleset = load_rule_set(opts, context.root)
        self._remember_targets(ruleset, opts)
        active = ruleset.active(opts.exclude_rules)
        details: dict[str, str | int | float | bool | None] = {
            "rules": len(active),
            "registry_configs": len(ruleset.registry),
        }
        candidates = candidate_files(context.files, active.values(), bool(ruleset.registry))
        details["candidates"] = len(candidates)
        # semgrep rejects the whole run over one target it cannot read ("Invalid scanning
        # root"): such files are found first, listed as skipped, and the rest is scanned.
        unscannable = unscannable_targets(context.root, candidates)
        targets = [t for t in candidates if t not in unscannable]
        if not targets:
            return ScanOutput(
                files_scanned=0,
                skipped=[gap for _, gap in sorted(unscannable.items())],
                details=details,
            )
        binary = find_binary(opts.binary)
        if binary is None:
            where = f"{opts.binary!r}" if opts.binary else "$SECGATE_SEMGREP, venv or PATH"
            raise ScannerError(f"semgrep executable not found ({where}); {INSTALL_HINT}")
        collected = self._run(binary, opts, ruleset, targets, context)
        collected.unscannable.update(unscannable)
        details["semgrep_runs"] = collected.runs
        if collected.copies:
            details["analysed_from_copy"] = len(collected.copies)
        scanned_targets = [t for t in targets if t not in collected.unscannable]
        return self._output(collected, context, active, scanned_targets, details)

    def _argv(
        self,
        binary: str,
        opts: SemgrepOptions,
        configs: Sequence[str],
        sarif: Path,
        jobs: int,
    ) -> list[str]:
        argv = [
            binary,
            "scan",
            "--json",
            "--metrics=off",
            "--disable-version-check",
            # nosemgrep findings come back; the SARIF copy says which ones semgrep suppressed.
            "--disable-nosem",
            f"--sarif-output={sarif}",
            # ids as written in the rule files, not prefixed with the rules' folder path.
            "--no-rewrite-rule-ids",
            # secgate chose the files: never let git or .gitignore filter them.
            "--no-git-ignore",
            f"--jobs={max(1, jobs)}",
        ]
        for config in configs:
            argv.append(f"--config={config}")
        for rule_id in opts.exclude_rules:
            argv.append(f"--exclude-rule={rule_id}")
        argv.append("--")
        return argv

    def _run(
        self,
        binary: str,
        opts: SemgrepOptions,
        ruleset: RuleSet,
        targets: Sequence[str],
        context: ScanContext,
    ) -> _Collected:
        collected = _Collected()
        deadline = time.monotonic() + context.remaining
        # Never inside the scanned tree: the copies of its files and semgrep's settings.
        base = private_base(context.root)
        with tempfile.TemporaryDirectory(prefix="secgate-semgrep-", dir=base) as tmp:
            work = Path(tmp)
            home = work / "home"
            home.mkdir()
            env = child_environment(binary, home)
            configs: list[str] = list(ruleset.registry)
            spans: list[tuple[int, int, Rule]] = []
            if ruleset.rules:
                merged = work / MERGED_CONFIG
                spans = ruleset.write_config(merged, opts.exclude_rules)
                configs.insert(0, str(merged))
            split = split_targets(targets, context.root, work / "copies")
            collected.copies, collected.gaps = split.copies, split.gaps
            probe = self._argv(binary, opts, configs, work / "out.sarif", context.jobs)
            overhead = sum(len(os.fsencode(a)) + 9 for a in probe)
            overhead += sum(len(os.fsencode(f"{k}={v}")) + 9 for k, v in env.items())
            budget = max(4096, ARG_BUDGET - overhead)
            chunks = [
                (cwd, chunk)
                for cwd, rels in split.jobs
                for chunk in chunk_targets([f"./{t}" for t in rels], budget)
            ]
            for index, (cwd, first) in enumerate(chunks):
                sarif = work / f"out-{index}.sarif"
                chunk = first
                retried = False
                while True:
                    argv = [*self._argv(binary, opts, configs, sarif, context.jobs), *chunk]
                    output = run_semgrep(
                        argv,
                        cwd=cwd,
                        env=env,
                        workdir=work,
                        context=context,
                        deadline=deadline,
                        sarif=sarif,
                    )
                    data = parse_json_output(output.stdout, output.returncode, output.stderr)
                    collected.runs += 1
                    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
                    fatal = self._fatal_errors([*collected.errors, *errors], set(targets), cwd)
                    if fatal and not retried:
                        # A file that vanished or lost its read permission while semgrep ran:
                        # one more run without it (and without any other file that went).
                        gone = self._gone(fatal, chunk, cwd)
                        if gone:
                            retried = True
                            collected.unscannable.update(gone_while_running(cwd, gone))
                            rels = [c.removeprefix("./") for c in chunk if c[2:] not in gone]
                            collected.unscannable.update(unscannable_targets(cwd, rels))
                            chunk = [f"./{r}" for r in rels if r not in collected.unscannable]
                            if chunk:
                                continue
                            break
                    collected.version = collected.version or data.get("version")
                    collected.results.extend(r for r in data["results"] if isinstance(r, dict))
                    collected.errors.extend(errors)
                    collected.skipped_rules.extend(data.get("skipped_rules") or [])
                    paths = data.get("paths") or {}
                    collected.scanned.update(
                        _relative(str(p), cwd) for p in paths.get("scanned") or []
                    )
                    per_target_only = bool(collected.errors) and not fatal
                    codes = (0, 1, 3) if per_target_only else (0, 1)
                    if fatal or output.returncode not in codes:
                        raise ScannerError(
                            self._describe_failure(fatal, output, ruleset.rules, spans)
                        )
                    collected.suppressed |= suppressed_keys(output.sarif)
                    break
                if context.progress is not None:
                    context.progress(index + 1, len(chunks))
        if collected.skipped_rules:
            ids = ", ".join(
                str(r.get("rule_id", r)) if isinstance(r, dict) else str(r)
                for r in collected.skipped_rules[:5]
            )
            raise ScannerError(f"semgrep skipped {len(collected.skipped_rules)} rule(s): {ids}")
        return collected

    @staticmethod
    def _gone(fatal: Sequence[Mapping[str, Any]], chunk: Sequence[str], cwd: Path) -> set[str]:
        """Files of *chunk* behind *fatal* errors that semgrep cannot take now: those it
        called invalid scanning roots, and those an error names (by path or in its message)
        that are gone or unreadable now (a file that vanished after semgrep's own check)."""
        gone = invalid_roots(fatal, chunk)
        wanted = {c.removeprefix("./") for c in chunk}
        named = {_relative(str(e["path"]), cwd) for e in fatal if isinstance(e.get("path"), str)}
        # An error without a path may still name the file in its message; only a file that
        # really is gone or unreadable now is left out, so a false match costs nothing.
        texts = [str(e.get("message") or "") for e in fatal]
        named |= {rel for rel in wanted if any(rel in text for text in texts)}
        named &= wanted
        gone.update(unscannable_targets(cwd, sorted(named - gone)))
        return gone

    @staticmethod
    def _fatal_errors(
        errors: Iterable[Mapping[str, Any]], targets: set[str], root: Path
    ) -> list[Mapping[str, Any]]:
        fatal = []
        for error in errors:
            path = error.get("path")
            per_target = (
                _error_type(error) in _TARGET_ERRORS
                and isinstance(path, str)
                and _relative(path, root) in targets
            )
            if not per_target:
                fatal.append(error)
        return fatal

    @staticmethod
    def _describe_failure(
        fatal: Sequence[Mapping[str, Any]],
        output: RunOutput,
        rules: Mapping[str, Rule],
        spans: Sequence[tuple[int, int, Rule]],
    ) -> str:
        if fatal:
            shown = "; ".join(_error_message(e) + _error_origin(e, rules, spans) for e in fatal[:3])
            more = f" (and {len(fatal) - 3} more)" if len(fatal) > 3 else ""
            return f"semgrep failed (exit code {output.returncode}): {shown}{more}"
        detail = _tail(output.stderr) or "no error reported"
        return f"semgrep exited with code {output.returncode}: {detail}"

    def _output(
        self,
        collected: _Collected,
        context: ScanContext,
        rules: Mapping[str, Rule],
        targets: Sequence[str],
        details: dict[str, str | int | float | bool | None],
    ) -> ScanOutput:
        reasons: dict[str, list[tuple[str, GapKind]]] = {}
        for error in collected.errors:  # only per-target errors are left at this point
            rel = _relative(str(error.get("path", "")), context.root)
            kind = error_kind(_error_type(error))
            reasons.setdefault(rel, []).append((_error_message(error), kind))
        # A coding nobody can decode names the file's gap, whatever semgrep made of its bytes.
        skipped = [gap for _, gap in sorted(collected.gaps.items())]
        skipped.extend(
            SkippedFile(
                path=rel,
                reason=_clip(errors[0][0], REASON_MAX)
                + (f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""),
                kind=first_kind(kind for _, kind in errors),
            )
            for rel, errors in sorted(reasons.items())
            if rel not in collected.gaps
        )
        skipped.extend(
            gap
            for rel, gap in sorted(collected.unscannable.items())
            if rel not in reasons and rel not in collected.gaps
        )
        for rel, rule_id in sorted(expected_files(targets, rules.values()).items()):
            if rel not in collected.scanned and rel not in reasons and rel not in collected.gaps:
                skipped.append(
                    SkippedFile(
                        path=rel,
                        reason=f"semgrep did not analyse it although rule {rule_id} targets it",
                        kind=GapKind.OTHER,
                    )
                )
        lines = _Lines(context.root, {rel: c.text for rel, c in collected.copies.items()})
        findings = []
        for result in collected.results:
            finding = build_finding(
                result,
                root=context.root,
                rules=rules,
                lines=lines,
                suppressed=collected.suppressed,
            )
            copy = collected.copies.get(finding.path)
            if copy is not None:
                properties = {**finding.properties, "analysed_as": copy.analysed_as}
                finding = finding.model_copy(update={"properties": properties})
            findings.append(finding)
        skipped_paths = {s.path for s in skipped}
        scanned = len(collected.scanned - skipped_paths)
        details["suppressed_inline"] = sum(1 for f in findings if f.suppressed_by)
        return ScanOutput(
            findings=findings,
            files_scanned=scanned,
            skipped=skipped,
            details=details,
            version=collected.version,
        )


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """secgate's semgrep scanner."""
    return [SemgrepScanner]
