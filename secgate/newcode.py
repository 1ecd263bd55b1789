"""``--new-since REF``: block only what the change introduced.

The change is what differs between REF's *merge base* with HEAD (``git merge-base REF
HEAD``, the commit the branch was cut from, as a pull request's diff shows it) and the
working tree: a target branch that moved on after the branch point must neither make its own
fixes look like the change's findings nor widen the set of changed files. When HEAD already
contains REF (a merge commit, or a branch rebased onto it) the merge base is REF itself. No
merge base (unrelated histories, or a shallow clone without the branch point) is a usage
error saying how to fetch the history: the gate does not guess what the change was.

The tree at the merge base is checked out into a temporary git worktree and scanned with
today's policy and scanners. Per-file scanners only re-scan the files that differ from it (a
file with the same content has the same findings); other scanners (the dependency audit)
scan it whole. A current finding is *pre-existing* when the base had the same fingerprint
(count-aware) or it sits in a file unchanged since the base. A dependency finding whose
package and version were already there is not the change's fault either: it is reported as
``newly-disclosed`` (an advisory published after the base commit) or ``preexisting``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from secgate import process
from secgate.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from secgate.models import Finding, Verdict

PREEXISTING = "preexisting"
NEWLY_DISCLOSED = "newly-disclosed"


#: Seconds a single git command may take before --new-since gives up (a hung git, say on
#: a network filesystem or a credential prompt, must end the gate with an error).
GIT_TIMEOUT = 120.0


def git(*args: str, cwd: Path, timeout: float | None = None) -> str:
    """Run git with an argument list; a failure or a hang is a one-line :class:`UsageError`."""
    git_bin = shutil.which("git")
    if git_bin is None:
        raise UsageError("--new-since needs git, which is not on PATH")
    limit = GIT_TIMEOUT if timeout is None else timeout
    try:
        done = process.run(
            [git_bin, *args],
            cwd=cwd,
            timeout=limit,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except process.ProcessTimeout:
        raise UsageError(f"git {args[0]} did not finish within {limit:g} s") from None
    except process.ProcessError as exc:
        raise UsageError(f"git {args[0]} failed: {exc}") from None
    if done.returncode != 0:
        message = " ".join(done.text("stderr").split()) or f"exit code {done.returncode}"
        raise UsageError(f"git {args[0]} failed: {message}")
    return done.text()


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


@dataclass(frozen=True)
class RefCheckout:
    """The tree at REF, checked out, and how it differs from the working tree."""

    ref: str
    commit: str
    """The commit compared with: REF's merge base with HEAD (REF itself when HEAD has it)."""
    committed_at: datetime
    changed: frozenset[str]
    """Paths (relative to the git top) that differ between the base and the working tree."""
    unchanged: frozenset[str]
    """Paths (relative to the scanned root) unchanged since the base."""
    prefix: str
    root: Path
    """The scanned root's counterpart inside the checkout."""
    targets: tuple[Path, ...]
    """The scan targets that exist at the base (empty: nothing to compare with)."""
    ref_commit: str = ""
    """The commit REF names (differs from ``commit`` when REF moved on after the branch)."""
    scan_files: Mapping[str, frozenset[str]] | None = None
    """``--changed-only``: for each per-file scanner, the paths (relative to the git top)
    among ``changed`` its scan of the base covers (see :func:`secgate.changed.base_files`);
    None: every changed file."""


def _resolve_ref(ref: str, top: Path) -> str:
    """The commit *ref* names; a ref that is not here says how to get it."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=top).strip()
    except UsageError:
        pass
    shallow = git("rev-parse", "--is-shallow-repository", cwd=top).strip() == "true"
    if shallow:
        hint = (
            "this is a shallow clone: fetch the history (git fetch --unshallow, or "
            "actions/checkout with fetch-depth: 0, GIT_DEPTH: 0 on GitLab)"
        )
    elif "/" in ref:
        remote, _, branch = ref.partition("/")
        hint = f"fetch it first (git fetch {remote} {branch})"
    else:
        hint = "check the name (git branch -a, git tag) or fetch it first"
    raise UsageError(f"--new-since {ref}: no such commit here; {hint}")


def merge_base(ref: str, commit: str, top: Path) -> str:
    """The best common ancestor of *commit* (what *ref* names) and HEAD.

    None is a :class:`UsageError` (exit 2) saying why: a shallow clone that lacks the branch
    point (fetch the history), or histories with no commit in common.
    """
    try:
        found = git("merge-base", commit, "HEAD", cwd=top).split()
    except UsageError:
        found = []
    if found:
        return found[0]
    try:
        git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", cwd=top)
    except UsageError:
        raise UsageError(
            f"--new-since {ref}: HEAD names no commit yet; commit the change first"
        ) from None
    if git("rev-parse", "--is-shallow-repository", cwd=top).strip() == "true":
        hint = (
            "this is a shallow clone and the commit the branch started from is not here: "
            "fetch the history (git fetch --unshallow, or actions/checkout with "
            "fetch-depth: 0, GIT_DEPTH: 0 on GitLab)"
        )
    else:
        hint = "their histories share no commit; pass a commit HEAD descends from"
    raise UsageError(f"--new-since {ref}: no merge base of {ref} and HEAD; {hint}")


@dataclass(frozen=True)
class Base:
    """What ``--new-since REF`` compares with, found before anything is checked out."""

    ref: str
    ref_commit: str
    """The commit REF names."""
    commit: str
    """REF's merge base with HEAD: the commit compared with."""
    committed_at: datetime
    changed: frozenset[str]
    """Paths (relative to the git top) that differ between the base and the working tree."""
    unchanged: frozenset[str]
    """Paths (relative to the scanned root) unchanged since the base."""
    top: Path
    """The git top."""
    prefix: str
    """The scanned root relative to the top, with a trailing ``/`` (empty at the top)."""


def locate(ref: str, root: Path) -> Base:
    """The commit *ref*'s comparison is made with, and which paths differ from it."""
    top = Path(git("rev-parse", "--show-toplevel", cwd=root).strip())
    ref_commit = _resolve_ref(ref, top)
    commit = merge_base(ref, ref_commit, top)
    stamp = git("show", "-s", "--format=%cI", commit, cwd=top).strip()
    changed = set(git("diff", "--name-only", "-z", "--no-renames", commit, cwd=top).split("\0"))
    changed.discard("")
    at_ref = set(git("ls-tree", "-r", "-z", "--name-only", commit, cwd=top).split("\0"))
    at_ref.discard("")
    root_rel = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if root_rel == "." else root_rel + "/"
    unchanged = frozenset(
        path[len(prefix) :] for path in at_ref - changed if path.startswith(prefix)
    )
    return Base(
        ref=ref,
        ref_commit=ref_commit,
        commit=commit,
        committed_at=datetime.fromisoformat(stamp),
        changed=frozenset(changed),
        unchanged=unchanged,
        top=top,
        prefix=prefix,
    )


@contextlib.contextmanager
def checkout(
    ref: str, root: Path, targets: Sequence[Path], base: Base | None = None
) -> Iterator[RefCheckout]:
    """Check the tree at *ref*'s merge base with HEAD out into a temporary worktree, removed
    afterwards (*base*: what :func:`locate` found, when the caller already asked).

    It runs no scan: the engine scans ``checkout.targets`` (per-file scanners only the
    ``changed`` files) and hands the verdict to :func:`previous_from`. Raises UsageError
    for git problems.
    """
    found = base if base is not None else locate(ref, root)
    top, prefix = found.top, found.prefix
    work = Path(tempfile.mkdtemp(prefix="secgate-new-since-"))
    tree = work / "tree"
    try:
        git("worktree", "add", "--detach", "--quiet", str(tree), found.commit, cwd=top)
        try:
            ref_root = tree / prefix.rstrip("/") if prefix else tree
            ref_targets = []
            for target in targets:
                moved = ref_root / target.resolve().relative_to(root.resolve())
                if moved.exists():
                    ref_targets.append(moved)
            yield RefCheckout(
                ref=ref,
                commit=found.commit,
                committed_at=found.committed_at,
                changed=found.changed,
                unchanged=found.unchanged,
                prefix=prefix,
                root=ref_root,
                targets=tuple(ref_targets),
                ref_commit=found.ref_commit,
            )
        finally:
            with contextlib.suppress(UsageError):
                git("worktree", "remove", "--force", str(tree), cwd=top)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def previous_from(
    ref_checkout: RefCheckout, verdict: Verdict | None, per_file_scanners: frozenset[str]
) -> Previous:
    """What REF held, from the verdict of its scan (None when no target existed there)."""
    fingerprints: Counter[tuple[str, str]] = Counter()
    dependencies = set()
    if verdict is not None:
        for finding in verdict.findings:
            fingerprints[(finding.scanner, finding.fingerprint)] += 1
            dep = _dependency_key(finding)
            if dep is not None:
                dependencies.add(dep)
    return Previous(
        ref=ref_checkout.ref,
        commit=ref_checkout.commit,
        committed_at=ref_checkout.committed_at,
        unchanged_files=ref_checkout.unchanged,
        per_file_scanners=per_file_scanners,
        fingerprints=fingerprints,
        dependencies=frozenset(dependencies),
    )
