"""``--new-since REF``: block only what the change introduced.

The tree at REF is checked out into a temporary git worktree and scanned with today's policy
and scanners. Per-file scanners only re-scan the files that differ from REF (a file with the
same content has the same findings); other scanners (the dependency audit) scan REF whole.
A current finding is *pre-existing* when REF had the same fingerprint (count-aware) or it
sits in a file unchanged since REF. A dependency finding whose package and version were
already there at REF is not the change's fault either: it is reported as
``newly-disclosed`` (an advisory published after REF's commit) or ``preexisting``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.errors import UsageError
from secgate.plugins import hookimpl

if TYPE_CHECKING:
    from collections.abc import Sequence

    from secgate.models import Finding
    from secgate.plugins import ScanContext, Scanner, ScanOutput

PREEXISTING = "preexisting"
NEWLY_DISCLOSED = "newly-disclosed"


def git(*args: str, cwd: Path) -> str:
    """Run git with an argument list; a failure is a one-line :class:`UsageError`."""
    git_bin = shutil.which("git")
    if git_bin is None:
        raise UsageError("--new-since needs git, which is not on PATH")
    proc = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [git_bin, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        message = " ".join(proc.stderr.split()) or f"exit code {proc.returncode}"
        raise UsageError(f"git {args[0]} failed: {message}")
    return proc.stdout


def _dependency_key(finding: Finding) -> tuple[str, str, str, str] | None:
    if finding.package is None:
        return None
    return (
        finding.scanner,
        finding.path,
        finding.package.name.lower().replace("_", "-").replace(".", "-"),
        finding.package.version or "",
    )


@dataclass(frozen=True)
class Previous:
    """What REF looked like, for judging which current findings are new."""

    ref: str
    commit: str
    committed_at: datetime
    unchanged_files: frozenset[str]
    per_file_scanners: frozenset[str]
    fingerprints: Counter[tuple[str, str]] = field(default_factory=Counter)
    dependencies: frozenset[tuple[str, str, str, str]] = frozenset()

    def classify(self, findings: list[Finding]) -> list[Finding]:
        """Mark the findings that are not new; return the list in the same order."""
        remaining = Counter(self.fingerprints)
        result = []
        for finding in findings:
            reason = None
            if finding.suppressed_by is None:
                dep = _dependency_key(finding)
                if dep is not None and dep in self.dependencies:
                    reason = self._dependency_reason(finding)
                elif (
                    finding.scanner in self.per_file_scanners
                    and finding.path in self.unchanged_files
                ):
                    reason = PREEXISTING
                elif remaining[(finding.scanner, finding.fingerprint)] > 0:
                    remaining[(finding.scanner, finding.fingerprint)] -= 1
                    reason = PREEXISTING
            if reason is not None:
                finding = finding.model_copy(  # noqa: PLW2901 - the judged copy replaces it
                    update={"suppressed_by": reason, "decided_by": f"new-since {self.ref}"}
                )
            result.append(finding)
        return result

    def _dependency_reason(self, finding: Finding) -> str:
        published = finding.properties.get("published")
        if isinstance(published, str):
            with contextlib.suppress(ValueError):
                when = datetime.fromisoformat(published.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                if when <= self.committed_at:
                    return PREEXISTING
        return NEWLY_DISCLOSED


@dataclass
class _SubsetPlugin:
    """During the REF scan, per-file scanners look only at the files that changed."""

    changed: frozenset[str]
    prefix: str

    @hookimpl(tryfirst=True)
    def secgate_scan(self, scanner: Scanner, context: ScanContext) -> ScanOutput | None:
        """Scan only changed files with per-file scanners."""
        if not scanner.per_file:
            return None
        subset = tuple(f for f in context.files if self.prefix + f in self.changed)
        return scanner.scan(dataclasses.replace(context, files=subset))


def scan_previous(
    ref: str,
    root: Path,
    targets: Sequence[Path],
    per_file_scanners: frozenset[str],
    check_kwargs: dict[str, Any],
) -> Previous:
    """Scan the tree at *ref* and return what it held. Raises UsageError for git problems."""
    from secgate.engine import check  # noqa: PLC0415 - engine imports this module

    top = Path(git("rev-parse", "--show-toplevel", cwd=root).strip())
    commit = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=top).strip()
    stamp = git("show", "-s", "--format=%cI", commit, cwd=top).strip()
    committed_at = datetime.fromisoformat(stamp)
    changed = set(git("diff", "--name-only", "-z", "--no-renames", commit, cwd=top).split("\0"))
    changed.discard("")
    at_ref = set(git("ls-tree", "-r", "-z", "--name-only", commit, cwd=top).split("\0"))
    at_ref.discard("")
    root_rel = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if root_rel == "." else root_rel + "/"
    unchanged = frozenset(
        path[len(prefix) :] for path in at_ref - changed if path.startswith(prefix)
    )
    work = Path(tempfile.mkdtemp(prefix="secgate-new-since-"))
    tree = work / "tree"
    try:
        git("worktree", "add", "--detach", "--quiet", str(tree), commit, cwd=top)
        try:
            ref_root = tree / root_rel if prefix else tree
            ref_targets = []
            for target in targets:
                moved = ref_root / target.resolve().relative_to(root.resolve())
                if moved.exists():
                    ref_targets.append(moved)
            subset = _SubsetPlugin(changed=frozenset(changed), prefix=prefix)
            previous_verdict = None
            if ref_targets:
                previous_verdict = check(
                    ref_targets,
                    **{
                        **check_kwargs,
                        "plugins": [*check_kwargs.get("plugins", ()), subset],
                        "root": ref_root,
                    },
                )
        finally:
            with contextlib.suppress(UsageError):
                git("worktree", "remove", "--force", str(tree), cwd=top)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fingerprints: Counter[tuple[str, str]] = Counter()
    dependencies = set()
    if previous_verdict is not None:
        for finding in previous_verdict.findings:
            fingerprints[(finding.scanner, finding.fingerprint)] += 1
            dep = _dependency_key(finding)
            if dep is not None:
                dependencies.add(dep)
    return Previous(
        ref=ref,
        commit=commit,
        committed_at=committed_at,
        unchanged_files=unchanged,
        per_file_scanners=per_file_scanners,
        fingerprints=fingerprints,
        dependencies=frozenset(dependencies),
    )
