"""Whether a Python finding's line can run: the dead-line check (issue 16 §1b).

Code that cannot run holds no weakness: a finding of any scanner and evidence on a line of a
branch whose test folds to a constant (``if False:``, ``if DEBUG and 0:`` with ``DEBUG``
bound once to a literal; :func:`~secgate.traces.unreachable`) gets
``trace_check = "disproved"`` with the proof in ``trace_reason``.

Python scanners apply it to their own findings while the file's source is at hand
(:func:`dead_line_properties`), so the result cache keeps the outcome and a warm run parses
nothing; they then put ``dead-lines = "checked"`` in their scan details. The evidence step
(:mod:`secgate.evidence`) applies :func:`mark_unreachable` to the findings of every other
scanner (a third-party plugin's, or a cache written before the check moved).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from secgate.models import Finding
from secgate.traces import Disproved, unreachable

#: The scan-details key by which a scanner says it checked its findings' lines itself.
DEAD_LINES = "dead-lines"
#: Part of the cache token of a scanner that checks at scan time: a cache written before
#: (findings never checked) or by another version of the check is not replayed.
DEAD_LINES_VERSION = "dead-lines:1"
#: The ``trace_check`` value of a finding a check disproved (and, in the evidence step, its
#: ``suppressed_by``).
DISPROVED = "disproved"


def dead_line_properties(text: str, line: int | None, end_line: int | None) -> dict[str, Any]:
    """``{"trace_check": "disproved", "trace_reason": proof}`` when the finding at
    *line*..*end_line* of the Python source *text* cannot run; ``{}`` otherwise."""
    if line is None:
        return {}
    outcome = unreachable(text, line, end_line)
    if not isinstance(outcome, Disproved):
        return {}
    return {"trace_check": DISPROVED, "trace_reason": outcome.reason}


def needs_check(finding: Finding) -> bool:
    """Whether the dead-line check applies: a live finding on a line of a Python file that
    no earlier check (semgrep's trace check of taint findings) has judged."""
    return not (
        finding.suppressed_by
        or finding.line is None
        or "trace_check" in finding.properties
        or not finding.path.endswith((".py", ".pyi"))
    )


def mark_unreachable(
    findings: Sequence[Finding], root: Path, *, skip_scanners: Collection[str] = ()
) -> list[Finding]:
    """*findings*, those on a line that cannot run marked ``disproved`` (see the module
    docstring); findings of *skip_scanners* (which checked at scan time) are left as they
    are. Files are read inside *root* only, one at a time, each parsed once."""
    marked = list(findings)
    by_path: dict[str, list[int]] = {}
    for i, finding in enumerate(findings):
        if finding.scanner not in skip_scanners and needs_check(finding):
            by_path.setdefault(finding.path, []).append(i)
    for path, indexes in by_path.items():
        text = _read_inside(root, path)
        if text is None:
            continue
        for i in indexes:
            finding = findings[i]
            properties = dead_line_properties(text, finding.line, finding.end_line)
            if properties:
                marked[i] = finding.model_copy(
                    update={"properties": {**finding.properties, **properties}}
                )
    return marked


def _read_inside(root: Path, relative: str) -> str | None:
    """The file's text, or None if it is not a regular file inside *root* (no symlink)."""
    if relative.startswith("/") or ".." in Path(relative).parts:
        return None
    try:
        fd = os.open(root / relative, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(4 << 20)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")
