"""The pytest plugin: the security gate as test items, so ``pytest`` cannot pass while it fails.

Inactive unless ``pytest --secgate`` is given or ``secgate = true`` is set in the pytest
config (``[tool.pytest.ini_options]``). Active, it adds one item per enabled scanner
(``secgate::bandit``…) and one for the verdict (``secgate::verdict``), after the project's
own tests. The check runs once per session, when the first of these items runs, through
the same :func:`secgate.check` the command line uses:

- a scanner item fails when that scanner errored or has blocking findings, and is skipped
  when the scanner was skipped (not installed and not required);
- the verdict item fails unless the verdict is pass, so a gate that errored (a crashed
  scanner, a bad config) never lets the session pass.

Failures list the blocking findings as ``path:line  rule_id  message``, without a traceback.

When the items are collected (so that running one test from an IDE does not run the gate):

- no file or node-id arguments (``pytest``: pytest collects ``testpaths`` or the current
  folder): every gate item;
- an argument ``secgate``: every gate item, next to the tests the other arguments name
  (``pytest tests/test_util.py secgate``); when a file or folder called ``secgate`` exists
  in the current folder, the argument means it, as usual; ``secgate::NAME`` collects that
  item only (``secgate::verdict``, ``secgate::bandit``), an unknown NAME is a usage error;
- a folder argument that is the checked path or holds it (``pytest .`` at the root):
  every gate item;
- any other arguments (``pytest tests/test_util.py::test_add``, ``pytest tests/``): no gate
  item, and the summary says ``secgate: not run: …``.

The collected items carry the ``secgate`` marker and are deselected like any test (``-k
"not secgate"``, ``-m "not secgate"``, ``--deselect secgate::verdict``).

``-p no:secgate`` removes the plugin altogether. The ini keys stay known through the
``secgate-ini`` entry point (:data:`INI_KEYS`), so ``secgate = true`` in the config does
not warn, or fail under ``--strict-config``, while the plugin is disabled.

Under pytest-xdist (``-n N``) every worker collects the same items and xdist spreads them,
but the check runs once for the whole run: the first worker that runs a gate item runs it,
under a lock in a folder the controller makes for the run, and leaves the outcome there;
the other workers read it, and the controller prints the ``secgate`` summary section from it.

pytest imports this module in every run of every project where secgate is installed, so it
imports nothing heavy: the engine (and pydantic) load only once the plugin is activated.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from secgate.escape import escape_text, safe_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from _pytest._code.code import TerminalRepr

    from secgate.models import Finding, Verdict
    from secgate.plugins import PluginHost

#: The collector's node id: items are ``secgate::<scanner>`` and ``secgate::verdict``.
NODE_ID = "secgate"
VERDICT_ITEM = "verdict"
MARKER = "secgate"
#: Findings listed in one failure; the full list is in ``secgate check``'s reports.
MAX_LISTED = 100
#: pytest-xdist: the workerinput key naming the folder the workers share the outcome in.
SHARED_KEY = "secgate_shared"
LOCK_FILE = "lock"
OUTCOME_FILE = "outcome.json"


class GateFailure(Exception):
    """A secgate item failed: the message is the whole failure report (no traceback)."""


class Settings:
    """What to check, from the command line and the pytest config."""

    # A plain class, not a dataclass: this module is imported by every pytest run, and
    # building a dataclass costs more than the rest of the module together.
    __slots__ = ("path", "scanners", "stage")

    def __init__(self, path: Path, stage: str | None, scanners: tuple[str, ...]) -> None:
        self.path = path
        self.stage = stage
        self.scanners = scanners

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        """Command-line options win over the ini keys; the path defaults to the rootdir."""
        option_path = config.getoption("secgate_path")
        ini_path = str(config.getini("secgate_path") or "")
        if option_path:
            path = config.invocation_params.dir / option_path
        elif ini_path:
            base = config.inipath.parent if config.inipath else config.rootpath
            path = base / ini_path
        else:
            path = config.rootpath
        stage = (
            config.getoption("secgate_stage")
            or str(config.getini("secgate_stage") or "")
            or os.environ.get("SECGATE_STAGE")
            or None
        )
        scanners = tuple(dict.fromkeys(config.getoption("secgate_scanner") or ()))
        return cls(path=path, stage=stage, scanners=scanners)


class Outcome:
    """The session's one check: a verdict, or why there is none."""

    __slots__ = ("error", "verdict")

    def __init__(self, verdict: Verdict | None = None, error: str | None = None) -> None:
        self.verdict = verdict
        self.error = error


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--secgate`` and its options, and the ini keys."""
    group = parser.getgroup("secgate", "security gate (secgate)")
    group.addoption(
        "--secgate",
        action="store_true",
        default=False,
        help="run the secgate security gate: one test per scanner plus one for the verdict",
    )
    group.addoption(
        "--secgate-stage",
        metavar="NAME",
        default=None,
        help="stage profile from [tool.secgate.stages.NAME] (default: ini secgate_stage, "
        "then $SECGATE_STAGE)",
    )
    group.addoption(
        "--secgate-path",
        metavar="PATH",
        default=None,
        help="file or folder to check (default: ini secgate_path, then the rootdir)",
    )
    group.addoption(
        "--secgate-scanner",
        action="append",
        metavar="NAME",
        default=None,
        help="run only this scanner (repeatable); a named scanner is required",
    )
    add_ini_keys(parser)


def add_ini_keys(parser: pytest.Parser) -> None:
    """The ini keys (also registered by :data:`INI_KEYS` when the plugin is disabled)."""
    parser.addini("secgate", type="bool", default=False, help="run the secgate security gate")
    parser.addini("secgate_stage", type="string", default="", help="secgate stage profile")
    parser.addini(
        "secgate_path",
        type="string",
        default="",
        help="file or folder secgate checks, relative to the ini file (default: rootdir)",
    )


class _IniKeys:
    """A plugin that only declares the ini keys: ``-p no:secgate`` does not block it.

    Registered by the ``secgate-ini`` ``pytest11`` entry point, so that a project that sets
    ``secgate = true`` and runs ``pytest -p no:secgate --strict-config`` gets neither an
    "Unknown config option" warning nor an error. Declaring the keys twice (with the plugin
    enabled) is harmless: pytest keeps the last declaration, and both are the same.
    """

    @staticmethod
    def pytest_addoption(parser: pytest.Parser) -> None:
        """Declare the ini keys."""
        add_ini_keys(parser)


INI_KEYS = _IniKeys()


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("secgate") or config.getini("secgate"))


def pytest_configure(config: pytest.Config) -> None:
    """Activate the gate when asked to; otherwise do nothing at all."""
    if not _enabled(config):
        return
    config.addinivalue_line("markers", f"{MARKER}: a secgate security gate item")
    plugin = SecgateSession(config)
    config.stash[_SESSION_KEY] = plugin
    config.pluginmanager.register(plugin, "secgate-session")
    if _is_xdist_controller(config):
        config.pluginmanager.register(XdistController(plugin), "secgate-xdist-controller")


class Selection:
    """Which gate items the command line selects: all, some (by name), or none.

    ``names`` is None for every item, else the item names given as ``secgate::NAME``;
    ``reason`` says why the gate is left out when nothing of it is selected.
    """

    __slots__ = ("names", "reason")

    def __init__(self, names: frozenset[str] | None, reason: str = "") -> None:
        self.names = names
        self.reason = reason

    @property
    def none(self) -> bool:
        """True when no gate item is collected."""
        return self.names is not None and not self.names

    @classmethod
    def from_args(cls, config: pytest.Config, checked: Path) -> tuple[Selection, list[str]]:
        """The selection, and the arguments left for pytest to collect (gate ids removed).

        Without file or node-id arguments (pytest collects ``testpaths`` or the current
        folder), every item. With arguments: every item for ``secgate`` (unless a file or
        folder of that name exists, which it then means) or a folder argument that holds
        the checked path (``pytest .`` at the root); the named items for ``secgate::NAME``;
        otherwise none: the arguments name only some tests.
        """
        args = list(config.args)
        if config.args_source is not pytest.Config.ArgsSource.ARGS:
            return cls(None), args
        base = config.invocation_params.dir
        remaining: list[str] = []
        names: set[str] = set()
        everything = False
        for arg in args:
            head, sep, tail = arg.partition("::")
            if head == NODE_ID and (sep or not (base / head).exists()):
                if tail:
                    names.add(tail)
                else:
                    everything = True
                continue
            remaining.append(arg)
            if not sep and _holds(base / arg, checked):
                everything = True
        if everything:
            return cls(None), remaining
        if names:
            return cls(frozenset(names)), remaining
        reason = (
            "the arguments name only some tests; run pytest without file arguments, "
            f"or add `{NODE_ID}` to them, to run the gate"
        )
        return cls(frozenset(), reason), remaining


def _holds(folder: Path, checked: Path) -> bool:
    """Whether *folder* is the checked path or one of its parent folders."""
    try:
        folder = folder.resolve()
        return folder.is_dir() and checked.resolve().is_relative_to(folder)
    except OSError:
        return False


def _is_xdist_controller(config: pytest.Config) -> bool:
    """True in the controller of a pytest-xdist run (it runs no test itself)."""
    if hasattr(config, "workerinput"):
        return False
    dist = getattr(config.option, "dist", "no")
    return bool(dist and dist != "no" and not config.getoption("collectonly"))


class SecgateSession:
    """The active gate: adds the items, runs the check once, summarises it.

    Under pytest-xdist every worker collects the items (xdist needs the same collection
    everywhere) and the items run wherever xdist sends them, but the check runs once: the
    first worker to need it takes a lock in a folder the controller made for the run,
    runs it and leaves the outcome there; the others wait for the lock and read it; the
    controller reads it for the summary.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.settings = Settings.from_config(config)
        self.selection, config.args = Selection.from_args(config, self.settings.path)
        self._outcome: Outcome | None = None
        self._host: PluginHost | None = None
        workerinput: dict[str, object] = getattr(config, "workerinput", {})
        shared = workerinput.get(SHARED_KEY)
        self.shared = Path(shared) if isinstance(shared, str) else None
        self.controller = _is_xdist_controller(config)

    def planned_scanners(self) -> list[str]:
        """The scanners the check will run, known before it runs (for the item list).

        A config that cannot be read gives no scanner items: the verdict item then
        reports the same error when the check runs.
        """
        if self.settings.scanners:
            return list(self.settings.scanners)
        from secgate.engine import resolve_config  # noqa: PLC0415 - only once active
        from secgate.errors import SecgateError  # noqa: PLC0415
        from secgate.selection import planned  # noqa: PLC0415

        if not self.settings.path.exists():
            return []
        try:
            loaded = resolve_config([self.settings.path.resolve()], None)
            source = str(loaded.path) if loaded.path else None
            effective = loaded.config.for_stage(self.settings.stage, source)
            return planned(self.host().scanners(), effective)[0]
        except SecgateError:
            return []

    def host(self) -> PluginHost:
        """The one plugin host this session uses: for the item list and for the check."""
        if self._host is None:
            from secgate.plugins import make_plugin_host  # noqa: PLC0415

            self._host = make_plugin_host()
        return self._host

    def outcome(self) -> Outcome:
        """Run the check the first time it is asked for; later calls reuse it.

        In an xdist worker, the first worker runs it and the others read its outcome.
        """
        if self._outcome is None:
            if self.shared is None:
                self._outcome = self._run()
            else:
                self._outcome = self._shared_outcome(self.shared)
        return self._outcome

    def _shared_outcome(self, shared: Path) -> Outcome:
        """The run's one outcome: read it, or compute and store it, under the lock.

        A worker that dies while checking releases the lock without an outcome: the next
        one then runs the check itself.
        """
        with _locked(shared / LOCK_FILE):
            stored = read_outcome(shared)
            if stored is not None:
                return stored
            outcome = self._run()
            write_outcome(shared, outcome)
            return outcome

    def _run(self) -> Outcome:
        from secgate.engine import check  # noqa: PLC0415 - only once an item runs
        from secgate.errors import SecgateError  # noqa: PLC0415

        try:
            verdict = check(
                self.settings.path,
                stage=self.settings.stage,
                scanners=list(self.settings.scanners) or None,
                host=self.host(),
            )
        except SecgateError as exc:
            return Outcome(error=str(exc))
        except Exception as exc:  # noqa: BLE001 - fail closed: any crash fails the gate items
            return Outcome(error=f"internal error: {type(exc).__name__}: {exc}")
        return Outcome(verdict=verdict)

    @pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so they apply to our items
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Append the selected gate items after the project's tests, reported as collected."""
        wanted = self.selection.names
        if wanted is not None and not wanted:
            return
        collector = SecgateCollector.from_parent(session, name=NODE_ID, nodeid=NODE_ID)
        collector.add_marker(MARKER)
        session.ihook.pytest_collectstart(collector=collector)
        report = collector.ihook.pytest_make_collect_report(collector=collector)
        collector.ihook.pytest_collectreport(report=report)
        gate = [node for node in report.result if isinstance(node, pytest.Item)]
        if wanted is not None:
            unknown = sorted(wanted - {node.name for node in gate})
            if unknown:
                known = ", ".join(node.nodeid for node in gate)
                raise pytest.UsageError(
                    f"secgate: no gate item {', '.join(unknown)} (the items are: {known})"
                )
            gate = [node for node in gate if node.name in wanted]
        items.extend(gate)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """One section with the verdict, when the check ran (a line when it was left out)."""
        if self.controller:
            return  # XdistController prints it, from the workers' outcome
        summarize(terminalreporter, self._outcome, self.selection)


def summarize(
    terminalreporter: pytest.TerminalReporter, outcome: Outcome | None, selection: Selection
) -> None:
    """The ``secgate`` section of the terminal summary."""
    if outcome is None:
        if selection.none:
            terminalreporter.write_line(f"secgate: not run: {selection.reason}", yellow=True)
        return
    terminalreporter.section("secgate")
    verdict, error = outcome.verdict, outcome.error
    if verdict is None:
        terminalreporter.write_line(
            safe_line(f"secgate: ERROR: {escape_text(str(error))}"), red=True
        )
        return
    word = verdict.status.value.upper()
    color = {"green": True} if verdict.passed else {"red": True}
    terminalreporter.write_line(f"secgate: {word}", bold=True, **color)
    for reason in verdict.reasons:
        terminalreporter.write_line(safe_line(f"  - {escape_text(reason)}"))
    for warning in verdict.warnings:
        terminalreporter.write_line(safe_line(f"warning: {escape_text(warning)}"), yellow=True)


class XdistController:
    """The gate in a pytest-xdist controller: it makes the folder the workers share the
    outcome in, and prints the summary from the outcome they left there."""

    def __init__(self, session: SecgateSession) -> None:
        self.session = session
        self.shared = Path(tempfile.mkdtemp(prefix="secgate-pytest-"))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:  # xdist WorkerController
        """Tell each worker where the run's outcome lives."""
        node.workerinput[SHARED_KEY] = str(self.shared)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """The summary section, from the outcome a worker stored."""
        outcome = read_outcome(self.shared) or self.session._outcome  # no workers: local run
        summarize(terminalreporter, outcome, self.session.selection)

    def pytest_unconfigure(self) -> None:
        """Remove the shared folder."""
        shutil.rmtree(self.shared, ignore_errors=True)


def write_outcome(shared: Path, outcome: Outcome) -> None:
    """Store *outcome* in *shared* (atomically: a reader sees all of it or nothing)."""
    data = {
        "error": outcome.error,
        "verdict": None if outcome.verdict is None else outcome.verdict.model_dump(mode="json"),
    }
    partial = shared / f"{OUTCOME_FILE}.{os.getpid()}.tmp"
    partial.write_text(json.dumps(data), encoding="utf-8")
    partial.replace(shared / OUTCOME_FILE)


def read_outcome(shared: Path) -> Outcome | None:
    """The outcome a worker stored in *shared*, or None when no check ran."""
    try:
        data = json.loads((shared / OUTCOME_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if data.get("verdict") is None:
        return Outcome(error=str(data.get("error") or "no verdict"))
    from secgate.models import Verdict  # noqa: PLC0415 - only once an item ran

    return Outcome(verdict=Verdict.model_validate(data["verdict"]))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on *path* (released by the OS if the process dies)."""
    with path.open("a+b") as handle:
        if sys.platform == "win32":  # pragma: no cover - no fcntl there
            import msvcrt  # noqa: PLC0415

            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl  # noqa: PLC0415

            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_SESSION_KEY = pytest.StashKey[SecgateSession]()


def format_findings(findings: Iterable[Finding], limit: int = MAX_LISTED) -> list[str]:
    """``path:line  rule_id  message`` per finding, at most *limit* lines plus a count."""
    listed = list(findings)
    lines = [
        safe_line(
            f"{escape_text(f.location)}  {escape_text(f.rule_id)}  "
            f"{escape_text(' '.join(f.message.split()))}"
        )
        for f in listed[:limit]
    ]
    if len(listed) > limit:
        lines.append(f"… and {len(listed) - limit} more (run `secgate check` for every one)")
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class SecgateCollector(pytest.Collector):
    """The ``secgate`` node: one item per planned scanner, then the verdict item."""

    def collect(self) -> Iterator[pytest.Item]:
        """The items, in a stable order: scanners as planned, the verdict last."""
        for name in self.config.stash[_SESSION_KEY].planned_scanners():
            yield ScannerItem.from_parent(self, name=name)
        yield VerdictItem.from_parent(self, name=VERDICT_ITEM)


class SecgateItem(pytest.Item):
    """Base of the gate's items: clean failure text, no traceback."""

    def gate(self) -> Verdict:
        """The session's verdict (running the check if no item ran it yet)."""
        outcome = self.config.stash[_SESSION_KEY].outcome()
        if outcome.verdict is None:
            raise GateFailure(f"secgate could not run: {outcome.error}")
        return outcome.verdict

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: str | None = None,
    ) -> str | TerminalRepr:
        """The gate's own report for a gate failure; pytest's usual one for a bug."""
        if isinstance(excinfo.value, GateFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)  # type: ignore[arg-type] # pytest's style Literal

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Name the item by its node id in reports."""
        return self.path, None, self.nodeid


class ScannerItem(SecgateItem):
    """Passes when its scanner ran and has no blocking finding."""

    def runtest(self) -> None:
        """Fail on a scanner error or a blocking finding; skip a skipped scanner."""
        from secgate.models import ScanStatus  # noqa: PLC0415 - loaded by gate() already

        verdict = self.gate()
        try:
            result = verdict.scanner(self.name)
        except KeyError:
            raise GateFailure(f"secgate: scanner {self.name} is not in the verdict") from None
        blocking = [f for f in verdict.blocking if f.scanner == self.name]
        if result.status is ScanStatus.ERROR:
            lines = [f"secgate: {self.name}: error: {result.error or 'unknown error'}"]
            if blocking:
                lines += [f"and {_plural(len(blocking), 'blocking finding')}:"]
                lines += format_findings(blocking)
            raise GateFailure("\n".join(lines))
        if result.status is ScanStatus.SKIPPED:
            pytest.skip(f"secgate: {self.name} skipped: {result.error or 'not run'}")
        if blocking:
            header = f"secgate: {self.name}: {_plural(len(blocking), 'blocking finding')}"
            raise GateFailure("\n".join([header, *format_findings(blocking)]))


class VerdictItem(SecgateItem):
    """Passes only when the verdict is pass."""

    def runtest(self) -> None:
        """Fail with the verdict, its reasons and the blocking findings."""
        verdict = self.gate()
        if verdict.passed:
            return
        lines = [f"secgate verdict: {verdict.status.value.upper()}"]
        lines += [f"  - {reason}" for reason in verdict.reasons]
        blocking: Sequence[Finding] = verdict.blocking
        if blocking:
            lines.append(f"{_plural(len(blocking), 'blocking finding')}:")
            lines += format_findings(blocking)
        raise GateFailure("\n".join(lines))
