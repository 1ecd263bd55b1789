"""The GitHub job summary: the Markdown report appended to ``$GITHUB_STEP_SUMMARY``.

GitHub renders that file on the run's page, and refuses a step's summary over 1 MiB
(:data:`MAX_BYTES`; the whole file of the step, so what earlier commands of the same step
wrote counts too). The Markdown report (:class:`secgate.reports.markdown.MarkdownReporter`,
already escaped for a hostile tree and holding no secret value) is appended whole when it
fits in what is left, else cut at a line with a last line pointing at the full report:
the files given with ``--report``/``--output``, else the job's artifacts.

A summary that cannot be written never changes the verdict: :func:`append_job_summary`
returns a warning for stderr instead of raising.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from secgate.escape import escape_text
from secgate.models import Verdict
from secgate.reports.markdown import MarkdownReporter, code

#: GitHub's bound on one step's summary file.
MAX_BYTES = 1024 * 1024
#: Where the pointer sends people when the run wrote no report file.
ARTIFACTS = "the job's artifacts (run secgate with --report sarif=FILE and upload it)"


def pointer(reports: Sequence[str]) -> str:
    """The line that ends a cut summary: where the whole report is."""
    where = ", ".join(code(name, 300, in_table=False) for name in reports[:5])
    return (
        f"_The summary was cut to GitHub's {MAX_BYTES // 1024} KiB step-summary limit: "
        f"the full report is in {where or ARTIFACTS}._"
    )


def bounded(text: str, budget: int, reports: Sequence[str]) -> str:
    """*text* if its UTF-8 fits in *budget* bytes, else its first whole lines and a pointer.

    "" when not even the pointer fits.
    """
    if len(text.encode("utf-8")) <= budget:
        return text
    tail = "\n" + pointer(reports) + "\n"
    room = budget - len(tail.encode("utf-8"))
    if room < 0:
        return ""
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = len(line.encode("utf-8"))
        if used + size > room:
            break
        kept.append(line)
        used += size
    return "".join(kept) + tail


def append_job_summary(
    verdict: Verdict, target: str, reports: Sequence[str] = (), *, limit: int = MAX_BYTES
) -> str | None:
    """Append the Markdown report of *verdict* to the file *target*; a warning, or None.

    *reports* are the report files this run wrote (named in the pointer of a cut summary).
    """
    text = MarkdownReporter().render(verdict)
    path = Path(target)
    try:
        used = path.stat().st_size if path.exists() else 0
        body = bounded("\n" + text if used else text, limit - used, reports)
        if not body:
            return (
                f"the job summary {escape_text(target)} already holds {used} bytes of GitHub's "
                f"{limit}: secgate's report was not added"
            )
        with path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(body)
    except (OSError, ValueError) as exc:
        return f"could not write the job summary {escape_text(target)}: {escape_text(str(exc))}"
    return None


def step_summary_target() -> str | None:
    """``$GITHUB_STEP_SUMMARY``, when set (GitHub Actions sets it for every step)."""
    return os.environ.get("GITHUB_STEP_SUMMARY") or None
