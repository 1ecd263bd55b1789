"""A test kit for plugin authors: install a fake distribution, run a scanner, check its contract.

Everything here uses only the public plugin API (:mod:`secgate.api`), so a plugin's own test
suite can rely on it::

    from secgate.testing import assert_contract, run_scanner

    def test_flags_the_marker() -> None:
        output = run_scanner(MyScanner, {"app.py": "x = 1  # TODO(security): check\\n"})
        assert [f.line for f in output.findings] == [1]

    def test_keeps_the_promises_caching_and_sharding_rely_on() -> None:
        assert_contract(MyScanner, {"a.py": "...", "b.py": "...", "notes.txt": "..."})

:func:`check_contract` scans the given files several ways (all together, each file alone in
a folder of its own, each alone beside the others, twice, with every option changed) and
lists the promises of :class:`~secgate.api.Scanner` the scanner breaks: ``name``,
``handles``, ``per_file``, ``cache_token``, finding and gap paths, and the coverage count.

:func:`install_fake_distribution` writes the ``*.dist-info`` folder ``pip install`` would
write, so that ``importlib.metadata`` (and so secgate's plugin host) finds a plugin's entry
points once the folder is on ``sys.path`` (:func:`add_to_path` in a pytest test,
:func:`on_path` anywhere else). Nothing here imports pytest.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import sys
import tempfile
import threading
import typing
from collections.abc import Collection, Iterator, Mapping
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Protocol

from pydantic import ValidationError

from secgate.api import ENTRY_POINT_GROUP, FileDigests, ScanContext, Scanner, ScanOutput
from secgate.config import Config, ScannerOptions, validate_scanner_options
from secgate.files import files_for
from secgate.models import Finding, SkippedFile

__all__ = [
    "NAME_PATTERN",
    "add_to_path",
    "assert_contract",
    "check_contract",
    "install_fake_distribution",
    "on_path",
    "run_scanner",
]

#: What a scanner name may look like: it is a config table key, a ``--scanner`` value and
#: a report field (lower case, digits, single ``-`` or ``_`` between them).
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


# --------------------------------------------------------------------------- distributions


def install_fake_distribution(
    site: Path,
    name: str,
    version: str,
    entry_points: Mapping[str, str],
    modules: Mapping[str, str] | None = None,
) -> Path:
    """Write a distribution into *site* as ``pip install`` would; return its ``.dist-info``.

    *entry_points* maps entry-point names to ``module`` or ``module:attribute`` in the
    ``secgate`` group. *modules* maps dotted module names to their source, written as
    ``.py`` files under *site* (packages get an empty ``__init__.py``; give
    ``"pkg.__init__"`` for one with code). Put *site* on the path
    with :func:`add_to_path` or :func:`on_path` for ``importlib.metadata`` to find it.
    """
    site.mkdir(parents=True, exist_ok=True)
    for module, source in (modules or {}).items():
        parts = module.split(".")
        if not all(part.isidentifier() for part in parts):
            raise ValueError(f"not a module name: {module!r}")
        folder = site.joinpath(*parts[:-1])
        for depth in range(1, len(parts)):
            init = site.joinpath(*parts[:depth], "__init__.py")
            init.parent.mkdir(parents=True, exist_ok=True)
            if not init.exists():
                init.write_text("", encoding="utf-8")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{parts[-1]}.py").write_text(source, encoding="utf-8")
    normalized = re.sub(r"[-_.]+", "_", name)
    dist_info = site / f"{normalized}-{version}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    importlib.invalidate_caches()  # the import system caches folder listings
    return dist_info


class PathPatcher(Protocol):
    """What :func:`add_to_path` needs of pytest's ``monkeypatch`` fixture."""

    def syspath_prepend(self, path: str | os.PathLike[str]) -> None: ...

    def setenv(self, name: str, value: str, prepend: str | None = None) -> None: ...


def add_to_path(monkeypatch: PathPatcher, *folders: Path) -> None:
    """Put *folders* first on ``sys.path`` and ``PYTHONPATH`` for one pytest test.

    Pass pytest's ``monkeypatch``: both are restored after the test. ``PYTHONPATH`` makes
    the fake distribution visible to child processes too (``secgate`` run as a command).
    """
    for folder in reversed(folders):
        monkeypatch.syspath_prepend(str(folder))
    current = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([*(str(f) for f in folders), *([current] if current else [])])
    )


@contextlib.contextmanager
def on_path(*folders: Path) -> Iterator[None]:
    """:func:`add_to_path` outside pytest: restores both on exit, and forgets the modules
    imported from *folders* so that the next use imports them afresh."""
    saved_path, saved_env = list(sys.path), os.environ.get("PYTHONPATH")
    names = [str(f) for f in folders]
    sys.path[:0] = names
    os.environ["PYTHONPATH"] = os.pathsep.join([*names, *([saved_env] if saved_env else [])])
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved_path
        if saved_env is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved_env
        roots = [Path(n).resolve() for n in names]
        for module_name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if file and any(Path(file).resolve().is_relative_to(r) for r in roots):
                del sys.modules[module_name]


# --------------------------------------------------------------------------- running


def _write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(f"file names are relative paths inside the root, not {rel!r}")
        path = root.joinpath(*pure.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _options(cls: type[Scanner], options: Mapping[str, Any] | None) -> ScannerOptions:
    """*options* validated with the scanner's model (a bad key is a ConfigError)."""
    return validate_scanner_options(cls.Options, options or {}, cls.name, "options", "")


def _context(root: Path, files: Collection[str], options: ScannerOptions) -> ScanContext:
    return ScanContext(
        root=root,
        files=tuple(sorted(files)),
        options=options,
        config=Config(cache=False),
        timeout=300.0,
        digests=FileDigests(root),
    )


def run_scanner(
    cls: type[Scanner],
    files: Mapping[str, str | bytes],
    options: Mapping[str, Any] | None = None,
    *,
    root: Path | None = None,
) -> ScanOutput:
    """Scan *files* (relative POSIX path -> text or bytes) with *cls* and return its output.

    The files are written into *root* (created if needed, kept) or into a temporary folder
    (removed afterwards). *options* is the ``[tool.secgate.scanners.<name>]`` table as a
    mapping (kebab-case or snake_case keys), validated with the scanner's ``Options`` as
    the engine validates it; the scanner gets the files, minus its own ``exclude`` globs,
    as the engine would hand them. The scanner's exceptions propagate.
    """
    validated = _options(cls, options)
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        return _scan(cls(), root.resolve(), files, validated)
    with tempfile.TemporaryDirectory(prefix="secgate-test-") as folder:
        return _scan(cls(), Path(folder).resolve(), files, validated)


def _scan(
    scanner: Scanner, root: Path, files: Mapping[str, str | bytes], options: ScannerOptions
) -> ScanOutput:
    _write_files(root, files)
    handed = files_for(options.exclude, tuple(sorted(files)))
    return scanner.scan(_context(root, handed, options))


# --------------------------------------------------------------------------- the contract


class _OpenWatch:
    """Records the files opened under watched folders (a ``sys.addaudithook`` hook).

    Audit hooks cannot be removed, so one is added once and does nothing while no folder is
    watched. Files opened by child processes are not seen: the folder-of-its-own scans of
    :func:`check_contract` catch those scanners.
    """

    _lock = threading.Lock()
    _installed = False
    _watched: ClassVar[dict[str, set[str]]] = {}

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or not cls._watched:
            return
        try:
            target = args[0]
            if isinstance(target, int):
                return
            path = str(Path(os.fsdecode(target)).absolute())
            with cls._lock:
                for prefix, seen in cls._watched.items():
                    if path.startswith(prefix):
                        seen.add(path[len(prefix) :].replace(os.sep, "/"))
        except Exception:  # noqa: BLE001, S110 - an audit hook must never break an open()
            pass

    @classmethod
    @contextlib.contextmanager
    def watch(cls, root: Path) -> Iterator[set[str]]:
        with cls._lock:
            if not cls._installed:
                sys.addaudithook(cls._hook)
                cls._installed = True
            seen: set[str] = set()
            prefix = str(root) + os.sep
            cls._watched[prefix] = seen
        try:
            yield seen
        finally:
            with cls._lock:
                cls._watched.pop(prefix, None)


def _key(item: Finding | SkippedFile) -> str:
    if isinstance(item, SkippedFile):  # a reason may name the (temporary) root: not compared
        return json.dumps([item.path, str(item.kind), item.line])
    return json.dumps(item.model_dump(mode="json"), sort_keys=True)


def _of(output: ScanOutput, path: str) -> tuple[list[str], list[str]]:
    """One file's findings and gaps, comparable across scans."""
    return (
        sorted(_key(f) for f in output.findings if f.path == path),
        sorted(_key(s) for s in output.skipped if s.path == path),
    )


def _alternatives(annotation: Any, value: Any) -> list[Any]:
    """Other values of an option's type, to see whether the cache token notices them."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is bool:
        return [not value]
    if annotation is int:
        return [value + 1, value - 1] if isinstance(value, int) else [1]
    if annotation is float:
        return [value * 2 + 1.0] if isinstance(value, int | float) else [1.0]
    if annotation is str:
        return [f"{value}-changed" if value else "changed"]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [member for member in annotation if member != value]
    if origin is typing.Literal:
        return [choice for choice in args if choice != value]
    if origin in (tuple, list, set, frozenset) and args:
        if value:
            return [type(value)(list(value)[:-1])]
        return [[item] for item in _alternatives(args[0], None) if item is not None]
    if args and type(None) in args:  # X | None
        others = [a for a in args if a is not type(None)]
        if value is not None:
            return [None]
        return [alt for a in others[:1] for alt in _alternatives(a, None)]
    return []


def _varied_options(options: ScannerOptions) -> Iterator[tuple[str, Any, ScannerOptions]]:
    """Each option of the scanner's own model changed once: (name, new value, options)."""
    model = type(options)
    base = options.model_dump()
    for name, info in model.model_fields.items():
        if name in ScannerOptions.model_fields:
            continue  # thresholds, timeouts, excludes: they do not change a file's findings
        for candidate in _alternatives(info.annotation, base.get(name)):
            try:
                varied = model.model_validate({**base, name: candidate})
            except (ValidationError, TypeError, ValueError):
                continue
            if varied != options:
                yield name, candidate, varied
                break


class _Checker:
    """One :func:`check_contract` run: the scans and the broken promises found."""

    def __init__(
        self, cls: type[Scanner], files: Mapping[str, str | bytes], options: ScannerOptions
    ) -> None:
        self.cls, self.files, self.options = cls, files, options
        self.scanner = cls()
        self.broken: list[str] = []

    def scan(self, root: Path, handed: Collection[str], options: ScannerOptions) -> ScanOutput:
        output = self.scanner.scan(_context(root, handed, options))
        if not isinstance(output, ScanOutput):
            raise TypeError(f"scan() returned {type(output).__name__}, not ScanOutput")
        return output

    def fresh_scan(self, names: Collection[str], options: ScannerOptions) -> ScanOutput:
        """Scan *names* in a folder that holds only them."""
        with tempfile.TemporaryDirectory(prefix="secgate-contract-") as folder:
            root = Path(folder).resolve()
            _write_files(root, {n: self.files[n] for n in names})
            return self.scan(root, names, options)

    def run(self) -> list[str]:
        name = getattr(self.cls, "name", None)
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            self.broken.append(
                f"name: {self.cls.__name__}.name is {name!r}; it must match "
                f"{NAME_PATTERN.pattern} (it names a config table and a --scanner value)"
            )
            return self.broken
        self.check_cache_token()
        all_files = sorted(self.files)
        try:
            first = [self.scanner.handles(f) for f in all_files]
            handled = [f for f, yes in zip(all_files, first, strict=True) if yes]
            if first != [self.scanner.handles(f) for f in all_files]:
                self.broken.append("handles: handles() answers differently for the same path")
        except Exception as exc:  # noqa: BLE001 - a crash is a broken promise to report
            self.broken.append(f"handles: handles() raised {type(exc).__name__}: {exc}")
            return self.broken
        with tempfile.TemporaryDirectory(prefix="secgate-contract-") as folder:
            root = Path(folder).resolve()
            _write_files(root, self.files)
            try:
                whole = self.scan(root, all_files, self.options)
                again = self.scan(root, all_files, self.options)
            except Exception as exc:  # noqa: BLE001
                self.broken.append(
                    f"scan: scanning the given files raised {type(exc).__name__}: {exc}"
                )
                return self.broken
            self.check_output(whole, all_files, set(handled))
            if whole.error is not None:
                self.broken.append(f"scan: the scan reported an error: {whole.error}")
            if any(_of(whole, f) != _of(again, f) for f in all_files):
                self.broken.append(
                    "scan: scanning the same files twice gave different findings or gaps "
                    "(a cached result would not match a fresh one)"
                )
            if self.cls.per_file:
                self.check_per_file(root, whole, handled)
        return self.broken

    def check_output(self, output: ScanOutput, handed: list[str], handled: set[str]) -> None:
        for finding in output.findings:
            if finding.path not in handed:
                self.broken.append(
                    f"paths: a finding ({finding.rule_id}) is for {finding.path!r}, "
                    "which is not one of the files handed to the scan"
                )
            elif finding.path not in handled:
                self.broken.append(
                    f"handles: handles({finding.path!r}) is False, yet the scan reported a "
                    f"finding ({finding.rule_id}) for it (the result cache would drop it)"
                )
            if finding.scanner != self.cls.name:
                self.broken.append(
                    f"findings: a finding names scanner {finding.scanner!r}, not {self.cls.name!r}"
                )
        file_gaps = set()
        for gap in output.skipped:
            if gap.path not in handed:
                self.broken.append(
                    f"paths: a gap is for {gap.path!r}, which is not one of the files handed"
                )
            elif gap.path not in handled:
                self.broken.append(
                    f"handles: handles({gap.path!r}) is False, yet the scan reported a gap "
                    f"for it ({gap.reason})"
                )
            elif gap.line is None:
                file_gaps.add(gap.path)
        if output.files_scanned + len(file_gaps) != len(handled):
            self.broken.append(
                f"coverage: files_scanned ({output.files_scanned}) + files with a gap "
                f"({len(file_gaps)}) should be the {len(handled)} handled files given "
                f"(each handled file is either scanned or a gap)"
            )

    def check_per_file(self, root: Path, whole: ScanOutput, handled: list[str]) -> None:
        for path in handled:
            expected = _of(whole, path)
            try:
                alone = self.fresh_scan([path], self.options)
                with _OpenWatch.watch(root) as opened:
                    beside = self.scan(root, [path], self.options)
            except Exception as exc:  # noqa: BLE001
                self.broken.append(
                    f"per_file: scanning {path!r} alone raised {type(exc).__name__}: {exc}"
                )
                continue
            if _of(alone, path) != expected:
                self.broken.append(
                    f"per_file: {path!r} scanned alone gives {len(_of(alone, path)[0])} "
                    f"finding(s), but {len(expected[0])} when scanned with the other files: its "
                    "result depends on other files (a cached or sharded run would differ)"
                )
            elif _of(beside, path) != expected:
                self.broken.append(
                    f"per_file: {path!r} handed alone, with the other files present, gives "
                    "other findings than when all files are handed"
                )
            others = sorted(opened - {path} - {""})
            if others:
                self.broken.append(
                    f"per_file: scanning {path!r} opened other files too: {', '.join(others)}"
                )
            self.check_output(alone, [path], {path})

    def check_cache_token(self) -> None:
        if not self.scanner.cacheable(self.options):
            return  # the result cache never asks for this token
        try:
            token = self.scanner.cache_token(self.options)
            if token != self.scanner.cache_token(self.options):
                self.broken.append(
                    "cache_token: two calls with the same options gave different tokens "
                    "(the result cache would never hit)"
                )
                return
            for option, value, varied in _varied_options(self.options):
                try:
                    other = self.scanner.cache_token(varied)
                except Exception:  # noqa: BLE001, S112 - a value these options cannot take
                    continue
                if other == token:
                    self.broken.append(
                        f"cache_token: does not change when option {option!r} changes "
                        f"(to {value!r}){self._what_changes(varied)}"
                    )
        except Exception as exc:  # noqa: BLE001
            self.broken.append(f"cache_token: raised {type(exc).__name__}: {exc}")

    def _what_changes(self, varied: ScannerOptions) -> str:
        try:
            names = sorted(self.files)
            before = self.fresh_scan(names, self.options)
            after = self.fresh_scan(names, varied)
        except Exception:  # noqa: BLE001 - the option may need more than these files
            return ""
        if sorted(map(_key, before.findings)) != sorted(map(_key, after.findings)):
            return (
                f", yet it changes the findings ({len(before.findings)} -> "
                f"{len(after.findings)}): a cached result would be stale"
            )
        return ""


def check_contract(
    cls: type[Scanner],
    files: Mapping[str, str | bytes],
    options: Mapping[str, Any] | None = None,
) -> list[str]:
    """The promises *cls* breaks when scanning *files*; an empty list when it keeps them all.

    Each line starts with the promise broken:

    - ``name``: set, and a valid scanner name (:data:`NAME_PATTERN`);
    - ``handles``: the same answer for the same path, and a file it does not handle never
      gets a finding or a gap;
    - ``paths``: every finding and gap is for one of the files handed to the scan;
    - ``coverage``: ``files_scanned`` plus the files with a gap is the number of handled
      files (each handled file is either scanned or a gap);
    - ``scan``: the scan runs without raising, without an error, and gives the same
      findings twice;
    - ``per_file`` (when the scanner claims it): each handled file scanned alone, in a
      folder of its own and beside the others, gives exactly its findings and gaps from the
      scan of all files, and the scan opens no file it was not handed;
    - ``cache_token`` (when :meth:`~secgate.api.Scanner.cacheable`): the same token twice,
      and a new one whenever an option of the scanner's own ``Options`` model changes (each
      is changed in turn: bools flipped, numbers and strings changed, another enum or
      ``Literal`` value, one item fewer or more).

    *files* maps relative POSIX paths to their text (or bytes); include files the scanner
    flags, files it passes, and files it does not handle. *options* is the scanner's
    options table, validated as :func:`run_scanner` does.
    """
    return _Checker(cls, files, _options(cls, options)).run()


def assert_contract(
    cls: type[Scanner],
    files: Mapping[str, str | bytes],
    options: Mapping[str, Any] | None = None,
) -> None:
    """:func:`check_contract` for a pytest test: AssertionError listing each broken promise."""
    broken = check_contract(cls, files, options)
    if broken:
        lines = "\n".join(f"- {line}" for line in broken)
        raise AssertionError(f"{cls.__name__} breaks the scanner contract:\n{lines}")
