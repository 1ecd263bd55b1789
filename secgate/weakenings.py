"""The policy summary: what the effective config turns off or loosens, in a few lines.

A repository's own config can ask the gate not to look at things (skip a scanner, exclude
globs, raise the threshold, waive findings). That is often legitimate, but a reviewer of
the CI log must see it: every report starts with these lines when there are any.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.config import DEFAULT_EXCLUDES
from secgate.files import BELOW_ROOT, GITIGNORE, INCLUDE
from secgate.models import Severity

if TYPE_CHECKING:
    from collections.abc import Sequence

    from secgate.config import Config
    from secgate.models import Coverage, ScanResult
    from secgate.vex import VexDocument

#: The default share of its files each scanner must analyse (``min-coverage``).
DEFAULT_MIN_COVERAGE = 0.5
#: A waiver expiring further out than this is flagged.
LONG_WAIVER = timedelta(days=365)
_BROAD_GLOBS = frozenset({"**", "**/*", "*", "/", "/**", "**/"})
#: Default excludes for tool output (caches, build metadata): what they leave out below the
#: root is counted in the report's collection but not listed in the summary, because every
#: local run has them (``tests/__pycache__/``).
_TOOL_OUTPUT = frozenset(
    {
        "__pycache__/",
        ".mypy_cache/",
        ".ruff_cache/",
        ".pytest_cache/",
        ".hypothesis/",
        "*.egg-info/",
    }
)
#: An exclude glob, a .gitignore or ``include`` leaving out more than this share of the
#: candidate files gets a summary line with its count.
LARGE_EXCLUSION = 0.10


def _globs(values: tuple[str, ...]) -> str:
    shown = ", ".join(repr(v) for v in values[:5])
    return f"[{shown}{', …' if len(values) > 5 else ''}]"


def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.HIGH


def _get(table: dict[str, Any], key: str) -> Any:
    return table.get(key, table.get(key.replace("-", "_")))


def policy_summary(
    config: Config,
    *,
    baseline_entries: int | None = None,
    today: date | None = None,
    results: Sequence[ScanResult] = (),
    collection: Coverage | None = None,
    baseline_in_tree: str | None = None,
) -> tuple[str, ...]:
    """One line per weakening of the defaults in *config* (empty when there is none).

    *collection* is the run's file collection (:attr:`Verdict.collection`): what default
    excludes left out below the root, and any exclusion of more than 10% of the candidate
    files, are listed from its ``excluded`` counts. *baseline_in_tree* names the baseline
    file when it lies inside the scanned tree (the pull request can rewrite it).
    """
    today = today or date.today()
    lines: list[str] = []
    if config.select is not None:
        lines.append(f"only these scanners run (select): {', '.join(config.select) or 'none'}")
    if config.skip:
        lines.append(f"scanners skipped (skip): {', '.join(config.skip)}")
    if config.fail_on > Severity.HIGH:
        lines.append(f"fail-on = {config.fail_on.value}: high findings do not block")
    if config.on_scanner_error == "warn":
        lines.append("on-scanner-error = warn: a failed scanner does not make the verdict error")
    if config.include:
        lines.append(f"only files matching include = {_globs(config.include)} are scanned")
    if config.extend_exclude:
        lines.append(f"excluded (extend-exclude): {_globs(config.extend_exclude)}")
    dropped = [g for g in config.exclude if g not in DEFAULT_EXCLUDES]
    if dropped:
        lines.append(f"excluded (exclude): {_globs(tuple(dropped))}")
    if collection is not None:
        lines.extend(_exclusions(collection))
    for policy in config.paths:
        loose = policy.fail_on is not None and policy.fail_on > config.fail_on
        broad = any(g.strip() in _BROAD_GLOBS for g in policy.paths)
        if loose or broad or policy.exclude_rules:
            what = [f"fail-on = {policy.fail_on.value}"] if policy.fail_on else []
            if policy.exclude_rules:
                what.append(f"exclude-rules = {_globs(policy.exclude_rules)}")
            where = "every file" if broad else _globs(policy.paths)
            lines.append(f"path policy {policy.label} relaxes {where}: {', '.join(what)}")
    for name, table in sorted(config.scanners.items()):
        fail_on = _get(table, "fail-on")
        if isinstance(fail_on, str) and _severity(fail_on) > config.fail_on:
            lines.append(f"{name} blocks only at {fail_on} (scanners.{name}.fail-on)")
        if _get(table, "bundled-rules") is False:
            lines.append(f"{name}: bundled rules off (scanners.{name}.bundled-rules = false)")
        for key in ("exclude-rules", "disable", "skips", "exclude"):
            value = _get(table, key)
            if value:
                lines.append(f"{name}: {key} = {_globs(tuple(map(str, value)))}")
    if config.waivers:
        everywhere = [w.id for w in config.waivers if w.path and w.path.strip() in _BROAD_GLOBS]
        long = [w.id for w in config.waivers if w.expires - today > LONG_WAIVER]
        line = f"{len(config.waivers)} waiver(s) in force"
        if everywhere:
            line += f"; over every file: {', '.join(everywhere)}"
        if long:
            line += f"; expiring more than a year out: {', '.join(long)}"
        lines.append(line)
    if baseline_entries is not None:
        where = (
            f" (committed in the scanned tree: {baseline_in_tree}; a change can rewrite it)"
            if baseline_in_tree
            else ""
        )
        lines.append(
            f"baseline in force: {baseline_entries} recorded finding(s) do not block{where}"
        )
    if config.min_coverage < DEFAULT_MIN_COVERAGE:
        lines.append(
            f"min-coverage = {config.min_coverage:g}: a scanner may analyse as little as "
            f"{config.min_coverage:.0%} of its files and the verdict still counts"
        )
    for name, table in sorted(config.scanners.items()):
        value = _get(table, "min-coverage")
        if isinstance(value, int | float) and value < DEFAULT_MIN_COVERAGE:
            lines.append(f"{name}: min-coverage = {value:g} (scanners.{name}.min-coverage)")
    for result in results:
        lines.extend(f"{result.name}: {line}" for line in result.weakenings)
    return tuple(lines)


def _is_default(key: str) -> bool:
    return key in DEFAULT_EXCLUDES or key.endswith(BELOW_ROOT)


def _exclusions(collection: Coverage) -> list[str]:
    """Lines for default excludes that dropped files below the root, and large exclusions."""
    lines = []
    for key, count in sorted(collection.excluded.items()):
        glob = key.removesuffix(BELOW_ROOT)
        if key.endswith(BELOW_ROOT) and glob not in _TOOL_OUTPUT and count:
            lines.append(
                f"default exclude {glob!r} left out {count:,} file{'s' if count != 1 else ''}"
                " below the root"
            )
    # Candidates: what was scanned, skipped or excluded by anything but a default exclude
    # (a big .venv/ at the root must not dilute the share of a glob that hides code).
    candidates = (
        collection.files_scanned
        + len({s.path for s in collection.skipped})
        + sum(n for k, n in collection.excluded.items() if not _is_default(k))
    )
    for key, count in sorted(collection.excluded.items(), key=lambda kv: (-kv[1], kv[0])):
        if _is_default(key) or not candidates or count <= LARGE_EXCLUSION * candidates:
            continue
        by = key if key in (GITIGNORE, INCLUDE) else repr(key)
        share = f"{count / candidates:.0%}"
        lines.append(f"excluded by {by}: {count:,} of {candidates:,} candidate files ({share})")
    return lines


def vex_lines(documents: Sequence[VexDocument], root: Path) -> list[str]:
    """Policy-summary lines: the documents whose statements can set findings aside.

    A document inside the scanned tree is named as such: the change under review can
    rewrite it, as it can a committed baseline.
    """
    lines = []
    real_root = Path(os.path.realpath(root))
    for doc in documents:
        count = sum(1 for s in doc.statements if s.suppresses)
        if not count:
            continue
        line = (
            f"VEX {doc.file}: {count} statement{'s' if count != 1 else ''} set matching "
            "dependency findings aside (not_affected, fixed…)"
        )
        real = Path(os.path.realpath(doc.path))
        if real.is_relative_to(real_root):
            line += (
                f" (committed in the scanned tree: {real.relative_to(real_root).as_posix()}; "
                "a change can rewrite it)"
            )
        lines.append(line)
    return lines
