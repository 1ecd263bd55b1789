"""Which files a run scans: include/exclude globs, .gitignore files, symlinks, shards.

Collection walks the targets once, never follows symbolic links (a link can point outside
the root, or loop) and never opens anything that is not a regular file (a FIFO would hang a
reader); everything it leaves out for such a reason is listed with the reason, because a
gate must show what it did not look at.

In a git work tree, .gitignore rules apply only to *untracked* files, as in git: a file
committed with ``git add -f`` (or before a .gitignore line covered it) is scanned. The
collector asks git itself (``git ls-files``, run hardened: no hooks, no fsmonitor, no
system config, a timeout) which files are tracked and which untracked ones its ignore
rules leave visible; without git, or when git fails, it reads the .gitignore files itself.
Every candidate file left out by an exclude glob, a .gitignore or ``include`` is counted in
:attr:`FileSet.excluded`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from secgate.globs import Globs, spec_of
from secgate.globs import escaped as _escaped
from secgate.globs import utf8 as _utf8
from secgate.models import GapKind, SkippedFile

if TYPE_CHECKING:
    from secgate.config import Config

__all__ = [
    "BELOW_ROOT",
    "GITIGNORE",
    "INCLUDE",
    "FileSet",
    "Globs",
    "UnreadableFileError",
    "collect_files",
    "files_for",
    "parse_shard",
    "read_regular",
    "shard_of",
    "spec_of",
    "unreadable_reason",
    "verify_readable",
]

#: Key of :attr:`FileSet.excluded` for untracked files a .gitignore ignores.
GITIGNORE = ".gitignore"
#: Key of :attr:`FileSet.excluded` for files that match no ``include`` glob.
INCLUDE = "include"
#: Suffix of the :attr:`FileSet.excluded` key for what an unanchored default exclude left
#: out *below* the root (``app/venv/x.py``): ``"venv/ (below the root)"``.
BELOW_ROOT = " (below the root)"
#: Folders whose files are never counted when an exclude prunes them (git's own store).
_UNCOUNTED = frozenset({".git"})
#: How long one git command may take before the collector reads .gitignore files itself.
GIT_TIMEOUT = 60.0


@dataclass
class _IgnoreStack:
    """The .gitignore files that apply to a folder: (folder relative to base, spec)."""

    base: Path
    specs: list[tuple[str, Globs]] = field(default_factory=list)

    def ignored(self, rel_from_base: str, is_dir: bool) -> bool:
        decision: bool | None = None
        for folder, spec in self.specs:
            prefix = f"{folder}/" if folder else ""
            if folder and not rel_from_base.startswith(prefix):
                continue
            sub = rel_from_base[len(prefix) :] + ("/" if is_dir else "")
            result, _ = spec.check(sub)
            if result is not None:
                decision = result
        return bool(decision)


def _read_gitignore(folder: Path) -> Globs | None:
    path = folder / ".gitignore"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return spec_of(text.splitlines())


def _git_top(root: Path) -> Path:
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


def _git_env() -> dict[str, str]:
    """The environment for git: none of the caller's GIT_* redirections, no system config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_REPLACE_OBJECTS="1",
        LC_ALL="C",
    )
    return env


#: Options that keep a hostile repository's own config from running anything.
_GIT_OPTIONS = (
    "--no-pager",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "core.quotePath=false",
)


def _git(folder: str, *args: str, timeout: float = GIT_TIMEOUT) -> tuple[int, bytes] | None:
    """(exit code, stdout) of ``git -C folder ARGS``; None when git is missing or hangs.

    Git's stderr is discarded: nothing git says about the tree reaches a report.
    """
    git = shutil.which("git")
    if git is None:
        return None
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [git, *_GIT_OPTIONS, "-C", folder, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_git_env(),
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return proc.returncode, proc.stdout


def _paths(output: bytes) -> tuple[frozenset[str], frozenset[str]]:
    """(paths, their parent folders) from ``git ls-files -z`` output, as scandir names."""
    paths: set[str] = set()
    folders: set[str] = {""}
    for raw in output.split(b"\x00"):
        if not raw:
            continue
        path = os.fsdecode(raw).rstrip("/")  # "x/": an untracked nested repository
        paths.add(path)
        parent, _, _ = path.rpartition("/")
        while parent and parent not in folders:
            folders.add(parent)
            parent, _, _ = parent.rpartition("/")
    return frozenset(paths), frozenset(folders)


@dataclass(frozen=True)
class _GitListing:
    """What git says about a work tree folder (paths relative to it).

    ``visible`` is None when git's ignore rules are not used below it (an explicitly given
    folder that a .gitignore above it ignores): the .gitignore files inside then decide.
    """

    tracked: frozenset[str]
    tracked_folders: frozenset[str]
    visible: frozenset[str] | None
    visible_folders: frozenset[str]


def _git_listing(folder: str, timeout: float = GIT_TIMEOUT) -> _GitListing | None:
    """Git's listing of *folder* inside a work tree, or None (not a work tree, no git)."""
    cached = _git(folder, "ls-files", "-z", "--cached", timeout=timeout)
    if cached is None or cached[0] != 0:
        return None
    others = _git(folder, "ls-files", "-z", "--others", "--exclude-standard", timeout=timeout)
    if others is None or others[0] != 0:
        return None
    tracked, tracked_folders = _paths(cached[1])
    untracked, untracked_folders = _paths(others[1])
    return _GitListing(
        tracked=tracked,
        tracked_folders=tracked_folders,
        visible=tracked | untracked,
        visible_folders=tracked_folders | untracked_folders,
    )


def _git_ignores_folder(folder: str, timeout: float = GIT_TIMEOUT) -> bool:
    """Whether git's ignore rules ignore the work tree folder *folder* itself."""
    answer = _git(folder, "check-ignore", "-q", "--no-index", "--", ".", timeout=timeout)
    return answer is not None and answer[0] == 0


@dataclass
class _Rules:
    """Which entries of a subtree the ignore rules leave out.

    *listing* is git's answer for the work tree folder *base_rel* (relative to the root);
    *stack* holds .gitignore files read by the collector (without git, or inside a folder
    git's rules do not apply to). A tracked file is never ignored.
    """

    base_rel: str
    listing: _GitListing | None
    stack: _IgnoreStack | None
    root_prefix: str

    def ignored(self, rel: str, is_dir: bool) -> bool:
        listing = self.listing
        if listing is not None:
            sub = rel[len(self.base_rel) + 1 :] if self.base_rel else rel
            if sub in listing.tracked or (is_dir and sub in listing.tracked_folders):
                return False
            if listing.visible is not None:
                return sub not in listing.visible and sub not in listing.visible_folders
        if self.stack is not None:
            from_base = f"{self.root_prefix}/{rel}" if self.root_prefix else rel
            return self.stack.ignored(from_base, is_dir)
        return False


@dataclass(frozen=True)
class FileSet:
    """The collected files (relative POSIX paths, sorted) and what the collector skipped."""

    files: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]
    excluded: dict[str, int] = field(default_factory=dict)
    """Candidate files left out, by the glob (or ``.gitignore``/``include``) that did it.

    Files are counted, not folders: a pruned folder counts every file below it (except in
    ``.git`` folders, never counted). An unanchored default exclude (``venv/``) counts what
    it left out below the root under ``"<glob> (below the root)"``.
    """
    git: bool = False
    """Whether git's own index decided what .gitignore rules leave out."""


def _count_files(folder: str) -> int:
    """Files (anything not a folder) below *folder*; links are not followed."""
    count = 0
    stack = [folder]
    while stack:
        where = stack.pop()
        try:
            with os.scandir(where) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name not in _UNCOUNTED:
                                stack.append(entry.path)
                            continue
                    except OSError:
                        pass
                    count += 1
        except OSError:
            continue
    return count


def _default_unanchored() -> frozenset[str]:
    from secgate.config import DEFAULT_EXCLUDES  # noqa: PLC0415 - config imports pydantic

    return frozenset(g for g in DEFAULT_EXCLUDES if not g.startswith("/"))


def collect_files(root: Path, targets: Sequence[Path], config: Config) -> FileSet:
    """The files under *targets* that the config's globs and .gitignore let through.

    Symbolic links are never followed (a link can point outside the root, or loop); they
    are listed as skipped, as are unreadable folders and anything that is not a regular
    file (a FIFO would hang a reader). In a git work tree, git decides what its ignore
    rules leave out, and never a tracked file.
    """
    exclude = spec_of([*config.exclude, *config.extend_exclude])
    max_bytes = config.max_file_mb * 1_000_000
    include = spec_of(config.include) if config.include else None
    base = _git_top(root) if config.respect_gitignore else root
    root_prefix = root.relative_to(base).as_posix() if base != root else ""
    listing = _git_listing(str(root)) if config.respect_gitignore else None
    unanchored = _default_unanchored() & set(config.exclude)
    files: set[str] = set()
    skipped: dict[str, tuple[str, GapKind]] = {}
    excluded: Counter[str] = Counter()

    def rel_of(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def leave_out(key: str, rel: str, path: str, is_dir: bool) -> None:
        if is_dir and rel.rpartition("/")[2] in _UNCOUNTED:
            return
        if key in unanchored and "/" in rel:
            key += BELOW_ROOT
        count = _count_files(path) if is_dir else 1
        if count:
            excluded[key] += count

    for target in targets:
        if target.is_file() and not target.is_symlink():
            rel = rel_of(target)
            if include is None or include.match_file(rel):
                files.add(rel)
            else:
                excluded[INCLUDE] += 1
            continue
        target_rel = rel_of(target)
        target_rel = "" if target_rel == "." else target_rel
        rules = _target_rules(
            target, base=base, root_prefix=root_prefix, listing=listing, config=config
        )
        # Strings, not Path objects, in the walk: it visits every entry of the tree.
        stack: list[tuple[str, str, _Rules]] = [(str(target), target_rel, rules)]
        while stack:
            where, folder_rel, rules = stack.pop()
            try:
                with os.scandir(where) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                skipped[(folder_rel or ".") + "/"] = (
                    f"cannot list folder: {exc.strerror or exc}",
                    GapKind.UNREADABLE,
                )
                continue
            names = {e.name for e in entries}
            if rules.listing is not None and ".git" in names and folder_rel != rules.base_rel:
                # A submodule or a nested repository: its own index and ignore rules.
                nested = _git_listing(where)
                if nested is not None:
                    rules = _Rules(folder_rel, nested, None, root_prefix)
            if rules.stack is not None and ".gitignore" in names:
                spec = _read_gitignore(Path(where))
                if spec is not None:
                    key = f"{root_prefix}/{folder_rel}" if root_prefix else folder_rel
                    rules.stack.specs.append((key.strip("/"), spec))
            subfolders: list[tuple[str, str, _Rules]] = []
            for entry in entries:
                rel = f"{folder_rel}/{entry.name}" if folder_rel else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    is_link = entry.is_symlink()
                    is_file = entry.is_file(follow_symlinks=False)
                except OSError as exc:
                    skipped[rel] = (f"cannot stat: {exc.strerror or exc}", GapKind.UNREADABLE)
                    continue
                probe = rel + ("/" if is_dir else "")
                hit, glob = exclude.check(probe)
                if hit and glob is not None:
                    leave_out(glob, rel, entry.path, is_dir)
                    continue
                if rules.ignored(rel, is_dir):
                    leave_out(GITIGNORE, rel, entry.path, is_dir)
                    continue
                if not _utf8(rel):
                    # Reports are UTF-8 (JSON, SARIF): a name that is not cannot be reported
                    # faithfully, so it is listed (escaped) instead of silently scanned or lost.
                    what = "folder" if is_dir else "file"
                    skipped[_escaped(rel)] = (
                        f"{what} name is not valid UTF-8; not scanned",
                        GapKind.ENCODING,
                    )
                elif is_link:
                    skipped[rel] = ("symbolic link, not followed", GapKind.SYMLINK)
                elif is_dir:
                    subfolders.append((entry.path, rel, rules))
                elif not is_file:
                    skipped[rel] = ("not a regular file", GapKind.NOT_REGULAR)
                elif include is not None and not include.match_file(rel):
                    excluded[INCLUDE] += 1
                elif (size := _size(entry)) > max_bytes:
                    skipped[rel] = (
                        f"larger than max-file-mb ({size / 1e6:.0f} MB > {config.max_file_mb} MB)",
                        GapKind.TOO_BIG,
                    )
                else:
                    files.add(rel)
            stack.extend(reversed(subfolders))
    return FileSet(
        files=tuple(sorted(files)),
        skipped=tuple(
            SkippedFile(path=p, reason=r, kind=k) for p, (r, k) in sorted(skipped.items())
        ),
        excluded=dict(sorted(excluded.items())),
        git=listing is not None,
    )


def _target_rules(
    target: Path,
    *,
    base: Path,
    root_prefix: str,
    listing: _GitListing | None,
    config: Config,
) -> _Rules:
    """The ignore rules for walking the folder *target*."""
    if not config.respect_gitignore:
        return _Rules("", None, None, root_prefix)
    if listing is not None:
        if not _git_ignores_folder(str(target)):
            return _Rules("", listing, None, root_prefix)
        # A path given explicitly is scanned even when a .gitignore above it ignores it (as
        # ruff does): scanning nothing and passing would be the worse surprise. The
        # .gitignore files inside it still apply (to its untracked files).
        return _Rules("", replace(listing, visible=None), _IgnoreStack(base), root_prefix)
    ignores = _IgnoreStack(base)
    chain = [base, *reversed(list(target.relative_to(base).parents))]
    for folder in dict.fromkeys(base / p for p in chain):
        if folder.is_relative_to(base) and folder != target:
            spec = _read_gitignore(folder)
            if spec is not None:
                key = folder.relative_to(base).as_posix()
                ignores.specs.append(("" if key == "." else key, spec))
    target_key = target.relative_to(base).as_posix()
    if target_key != "." and ignores.ignored(target_key, is_dir=True):
        # See above: an explicitly given path is scanned; its own .gitignore files apply.
        ignores = _IgnoreStack(base)
    return _Rules("", None, ignores, root_prefix)


def _size(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0


def verify_readable(fileset: FileSet, read: Callable[[str], str | None]) -> FileSet:
    """Drop the files that cannot actually be read, listing them as skipped.

    ``os.access`` answers yes to root for every file, and some failures only show on
    ``open``/``read`` (an I/O error, a file removed meanwhile). A tool that meets an unreadable
    target can abort its whole run (semgrep does), so every file is read here once — its
    content hash, which the result cache reuses — and only readable files reach a scanner.
    """
    # One thread: on a source tree the per-file cost is Python's, and threads only add
    # contention for the interpreter lock (measured: 0.09 s alone, 0.5 s with 4 threads).
    unreadable = {rel for rel in fileset.files if read(rel) is None}
    if not unreadable:
        return fileset
    skipped = {s.path: s for s in fileset.skipped}
    for rel in unreadable:
        skipped[rel] = SkippedFile(path=rel, reason="cannot be read", kind=GapKind.UNREADABLE)
    return replace(
        fileset,
        files=tuple(f for f in fileset.files if f not in unreadable),
        skipped=tuple(s for _, s in sorted(skipped.items())),
    )


#: Flags for opening a file to scan: never follow a link, never block on a FIFO, never
#: make a terminal the controlling one.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NOCTTY", 0)
)


class UnreadableFileError(OSError):
    """A file a scanner cannot read as a regular file; ``reason`` says why, for reports."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _open_failure(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "vanished before the scan (no such file); not scanned"
    if exc.errno == errno.ELOOP:
        return "symbolic link, not followed"
    return f"cannot be read: {exc.strerror or exc}; not scanned"


def _open_regular(path: str) -> int:
    """A descriptor of *path* opened for reading, or UnreadableFileError.

    ``os.access`` says yes to root for every file, so the file is really opened; a FIFO or
    device is never opened at all (``lstat`` first) and, should one replace the file
    meanwhile, ``O_NONBLOCK`` keeps the open from hanging and ``fstat`` rejects it.
    """
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFileError(
                "symbolic link, not followed"
                if stat.S_ISLNK(mode)
                else "not a regular file; not scanned"
            )
        fd = os.open(path, _OPEN_FLAGS)
    except UnreadableFileError:
        raise
    except OSError as exc:
        raise UnreadableFileError(_open_failure(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFileError("not a regular file; not scanned")
    except BaseException:
        os.close(fd)
        raise
    return fd


def unreadable_reason(path: str) -> str | None:
    """Why a scanner cannot read *path* (missing, unreadable, not a regular file), or None."""
    try:
        fd = _open_regular(path)
    except UnreadableFileError as exc:
        return exc.reason
    os.close(fd)
    return None


def read_regular(path: str) -> bytes:
    """The bytes of the regular file *path*; UnreadableFileError (with a reason) otherwise."""
    fd = _open_regular(path)
    try:
        chunks = []
        while block := os.read(fd, 1 << 20):
            chunks.append(block)
    except OSError as exc:
        raise UnreadableFileError(_open_failure(exc)) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def files_for(scanner_exclude: Sequence[str], files: tuple[str, ...]) -> tuple[str, ...]:
    """*files* minus those a scanner's own ``exclude`` globs match."""
    if not scanner_exclude:
        return files
    spec = spec_of(scanner_exclude)
    return tuple(f for f in files if not spec.match_file(f))


def parse_shard(value: str) -> tuple[int, int]:
    """``"K/N"`` → ``(K, N)`` with ``1 <= K <= N``; ValueError otherwise."""
    k_text, sep, n_text = value.partition("/")
    if not sep or not k_text.isdigit() or not n_text.isdigit():
        raise ValueError(f"expected K/N such as 2/4, got {value!r}")
    k, n = int(k_text), int(n_text)
    if not 1 <= k <= n:
        raise ValueError(f"shard {value!r}: K must be between 1 and N")
    return k, n


def shard_of(path: str, count: int) -> int:
    """The shard (1-based) a path belongs to: a stable hash, the same on every machine."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
