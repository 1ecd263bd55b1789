"""Running bandit: the plan, bandit's manager in a worker process, and the pool.

The parent checks bandit's settings once (:class:`Plan`), then either runs
:func:`scan_chunk` in-process (small trees: starting workers would cost more than it
saves) or splits the files into chunks balanced by size (:func:`balanced_chunks`) and hands
them to spawned worker processes. :func:`scan_chunk` drives a ``BanditManager`` file by
file and returns plain data: dicts, lists and strings, never bandit objects (worker
processes import it by this module's path). ``# nosec`` findings are recorded, not dropped:
bandit's own nosec parsing and matching decide which ones (the tester records bandit's
decision instead of acting on it), so the set that bandit would drop is exactly the set
secgate marks suppressed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import io
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.deadcode import dead_line_properties
from secgate.errors import ScannerError
from secgate.files import UnreadableFileError, read_regular
from secgate.models import GapKind
from secgate.plugins import ScanContext, Scanner, package_version
from secgate.process import contained_warnings
from secgate.scanners.bandit.config import PYPROJECT, tool_bandit_file, tree_weakenings
from secgate.scanners.bandit.findings import issue_data
from secgate.scanners.bandit.gaps import (
    SOURCE_LINES,
    declares_coding,
    read_gap_kind,
    source_text,
    unparsable_gap,
)
from secgate.scanners.bandit.options import BanditOptions

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "MIN_CHUNK_BYTES",
    "POOL_MIN_BYTES",
    "Plan",
    "balanced_chunks",
    "can_spawn_workers",
    "import_bandit",
    "scan_chunk",
    "scan_files",
]

#: Below this many bytes of Python the tree is scanned in-process: a worker costs about
#: 0.4 s to start, and bandit reads roughly 400 kB of source a second on one core.
POOL_MIN_BYTES = 512 * 1024

#: The smallest chunk handed to a worker (about a tenth of a second of bandit): smaller
#: ones would cost more in round trips than they gain in balance.
MIN_CHUNK_BYTES = 48 * 1024


@contextlib.contextmanager
def _quiet_bandit_logs(sink: list[str]) -> Iterator[None]:
    """Collect bandit's log records (warnings and up) instead of letting them hit stderr."""

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with contextlib.suppress(Exception):
                sink.append(record.getMessage())

    logger = logging.getLogger("bandit")
    handler = _Collect(level=logging.WARNING)
    previous = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


@contained_warnings()
def import_bandit() -> ModuleType:
    """Import bandit's manager module; its import rebinds ``warnings.formatwarning``.

    Its warnings are contained (stevedore's ``DeprecationWarning`` while bandit loads its
    plugins would be an exception under ``-W error``), as are those of every bandit call
    below: :func:`scan_chunk` (in-process and in each worker process) and :class:`Plan`.
    """
    import warnings  # noqa: PLC0415

    saved = warnings.formatwarning
    try:
        from bandit.core import manager  # noqa: PLC0415

        module: ModuleType = manager
        return module
    finally:
        warnings.formatwarning = saved


# --------------------------------------------------------------------------- worker side
#
# Everything below runs in a worker process (or in-process for small trees) and returns
# plain data: dicts, lists and strings, never bandit objects.


@functools.cache
@contained_warnings()
def _bandit_classes() -> tuple[type[Any], ...]:
    """Bandit's manager subclass that records nosec decisions and per-test errors."""
    import_bandit()
    from bandit.core import manager as b_manager  # noqa: PLC0415
    from bandit.core import node_visitor as b_node_visitor  # noqa: PLC0415
    from bandit.core import tester as b_tester  # noqa: PLC0415

    class RecordingTester(b_tester.BanditTester):  # type: ignore[misc]  # untyped base
        """Keeps every finding; notes bandit's nosec decision on it instead of acting."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.test_errors: list[str] = []

        def _get_nosecs_from_contexts(
            self, context: dict[str, Any], test_result: Any = None
        ) -> set[str] | None:
            if test_result is None:
                # No finding: bandit would only look the line up to log an unused nosec
                # comment, a warning secgate does not report. Bandit asks for every test
                # on every node, so skipping the lookup saves ~6% of its time.
                return None
            tests: set[str] | None = super()._get_nosecs_from_contexts(
                context, test_result=test_result
            )
            # None means "no nosec comment": bandit then appends the finding, and
            # decides nothing else with this value. The decision is made later with
            # bandit's own rule, once the test id is known.
            test_result._secgate_nosec = tests
            return None

        def report_error(self, test: str, context: Any, error: BaseException) -> None:
            ctx = context._context
            self.test_errors.append(
                f"bandit test {test} crashed on {ctx.get('filename')}:{ctx.get('lineno')}: "
                f"{type(error).__name__}: {error}"
            )

    class RecordingManager(b_manager.BanditManager):  # type: ignore[misc]  # untyped base
        """Runs bandit's node visitor with :class:`RecordingTester`, file by file."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.absolute: dict[str, str] = {}
            self.errors: list[str] = []
            self.crash: str | None = None

        def _execute_ast_visitor(
            self, fname: str, fdata: Any, data: bytes, nosec_lines: dict[int, set[str]]
        ) -> Any:
            # The module name comes from the real path (bandit walks up __init__.py
            # files); the filename tests see is "./<rel>", as under `bandit -r .`.
            visitor = b_node_visitor.BanditNodeVisitor(
                self.absolute.get(fname, fname),
                fdata,
                self.b_ma,
                self.b_ts,
                self.debug,
                nosec_lines,
                self.metrics,
            )
            visitor.fname = fname
            visitor.tester = RecordingTester(self.b_ts, self.debug, nosec_lines, self.metrics)
            try:
                score = visitor.process(data)
            except SyntaxError:
                raise
            except Exception as exc:
                self.crash = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                self.errors.extend(visitor.tester.test_errors)
            self.results.extend(visitor.tester.results)
            return score

    return RecordingManager, RecordingTester


@contained_warnings()
def scan_chunk(
    root: str,
    rels: Sequence[str],
    settings: dict[str, Any],
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run bandit on *rels* (relative to *root*) and return plain data.

    ``settings``: ``config_file`` (a pyproject.toml or None), ``include`` and ``exclude``
    test ids (bandit's profile), ``severity`` and ``confidence`` thresholds (bandit's
    ranking names). Runs in a worker process; picklable arguments and result only.
    """
    manager_cls, _ = _bandit_classes()
    from bandit.core import config as b_config  # noqa: PLC0415

    logs: list[str] = []
    findings: list[dict[str, Any]] = []
    scanned: list[str] = []
    skipped: list[tuple[str, str, str]] = []  # path, reason, GapKind value
    with _quiet_bandit_logs(logs):
        conf = b_config.BanditConfig(config_file=settings["config_file"])
        profile = {"include": set(settings["include"]), "exclude": set(settings["exclude"])}
        mgr = manager_cls(conf, "file", profile=profile)
        for rel in rels:
            if should_stop is not None and should_stop():
                return {"stopped": True}
            absolute = str(Path(root, rel))
            display = f"./{rel}"
            try:
                # Never a blocking open: a FIFO that replaced a file would hang the worker.
                data = read_regular(absolute)
            except UnreadableFileError as exc:
                skipped.append((rel, exc.reason, read_gap_kind(exc.reason).value))
                continue
            mgr.absolute[display] = absolute
            # Bandit tokenizes every file to find nosec comments; its pattern needs the
            # word "nosec" (case-sensitive), so a UTF-8 file without it gives bandit no
            # nosec line, and tokenizing it (a tenth of bandit's time) can be skipped. A
            # file in another declared coding (utf-7 spells letters in base64) is always
            # tokenized, as bandit does.
            mgr.ignore_nosec = b"nosec" not in data and not declares_coding(data)
            mgr.crash = None
            results_before, skipped_before = len(mgr.results), len(mgr.skipped)
            mgr._parse_file(display, io.BytesIO(data), [display])
            if len(mgr.skipped) > skipped_before:
                reason = str(mgr.skipped[-1][1])
                gap = unparsable_gap(data)
                if gap is None:
                    # Valid Python that bandit failed on: bandit's fault, not the file's,
                    # and the scan is incomplete.
                    detail = f"bandit crashed: {mgr.crash or 'unknown error'}"
                    mgr.errors.append(f"bandit crashed on {display}: {mgr.crash}")
                    skipped.append((rel, f"{reason}: {detail}", GapKind.OTHER.value))
                elif gap[0] is GapKind.NEWER_PYTHON:
                    # Not a syntax error: bandit's "syntax error" would mislead.
                    skipped.append((rel, gap[1], gap[0].value))
                else:
                    skipped.append((rel, f"{reason}: {gap[1]}", gap[0].value))
                del mgr.results[results_before:]
                continue
            scanned.append(rel)
            new = mgr.results[results_before:]
            if not new:
                continue
            # Snippets as Python read the file: a `# coding: utf-7` file's code is not
            # its bytes.
            text = source_text(data)
            if text is None:  # pragma: no cover - bandit parsed it, so Python decoded it
                text = data.decode("utf-8", "replace")
            lines = SOURCE_LINES.split(text)
            for issue in new:
                if issue.filter(settings["severity"], settings["confidence"]):
                    item = issue_data(issue, rel, lines)
                    # The dead-line check here, while the source is at hand: the result
                    # cache keeps its outcome with the finding (secgate.deadcode).
                    if not item["suppressed"]:
                        item["dead"] = dead_line_properties(text, item["line"], item["end_line"])
                    findings.append(item)
    return {
        "findings": findings,
        "scanned": scanned,
        "skipped": skipped,
        "errors": list(mgr.errors),
    }


# --------------------------------------------------------------------------- parent side


class Plan:
    """What the parent decided before scanning: files, settings, bandit's config."""

    @contained_warnings()
    def __init__(self, scanner: Scanner, context: ScanContext, options: BanditOptions) -> None:
        import_bandit()
        from bandit.core import config as b_config  # noqa: PLC0415
        from bandit.core import constants, extension_loader, test_set  # noqa: PLC0415
        from bandit.core import utils as b_utils  # noqa: PLC0415

        root = context.root
        config_file = tool_bandit_file(root) if options.use_pyproject else None
        try:
            conf = b_config.BanditConfig(config_file=str(config_file) if config_file else None)
        except b_utils.ConfigError as exc:
            raise ScannerError(f"bandit rejected its settings: {exc}") from None
        extman = extension_loader.MANAGER
        unknown = [t for t in (*options.tests, *options.skips) if not extman.check_id(t)]
        if unknown:
            raise ScannerError(
                f"scanners.bandit: unknown bandit test {', '.join(unknown)} "
                f"(bandit {package_version('bandit')} has B101…; see `secgate rules`)"
            )
        include = set(conf.get_option("tests") or []) | set(options.tests)
        exclude = set(conf.get_option("skips") or []) | set(options.skips)
        try:
            extman.validate_profile({"include": include, "exclude": exclude})
        except ValueError as exc:
            raise ScannerError(f"bandit test selection: {exc}") from None
        if not test_set.BanditTestSet(conf, {"include": include, "exclude": exclude}).tests:
            raise ScannerError(
                "no bandit test would run with these tests/skips (check "
                "scanners.bandit.tests and [tool.bandit])"
            )
        # Every Python file secgate collected, as an explicit list: bandit's own default
        # excludes (substring matches such as "CVS" and ".git", which drop CVSReader.py
        # and .github/) and [tool.bandit] exclude_dirs/include are not applied. secgate's
        # collector decided the exclusions, and shows them.
        self.files = [rel for rel in context.files if scanner.handles(rel)]
        self.weakenings = (
            tree_weakenings(conf.config, PYPROJECT, extman) if config_file is not None else []
        )
        ranking = constants.RANKING
        self.settings: dict[str, Any] = {
            "config_file": str(config_file) if config_file else None,
            "include": sorted(include),
            "exclude": sorted(exclude),
            "severity": options.severity.upper() if options.severity else ranking[0],
            "confidence": options.confidence.upper() if options.confidence else ranking[0],
        }
        self.config_label = (
            f"{config_file.name} [tool.bandit]" if config_file else "bandit defaults"
        )


def balanced_chunks(
    sizes: dict[str, int], workers: int, min_bytes: int = MIN_CHUNK_BYTES
) -> list[list[str]]:
    """Split files into chunks for *workers* processes that pull them as they finish.

    Guided self-scheduling by bytes: largest files first, each chunk a quarter of the
    remaining bytes per worker (at least *min_bytes*, at most an equal share), so chunks
    shrink towards the end and the workers finish together instead of one waiting on
    the other's last big chunk. Every file lands in exactly one chunk.
    """
    weight = {rel: max(size, 1) for rel, size in sizes.items()}
    remaining = sum(weight.values())
    share = -(-remaining // max(1, workers))  # ceiling: at least `workers` chunks

    def target() -> int:
        return min(max(remaining // (4 * workers), min_bytes), share)

    chunks: list[list[str]] = []
    current: list[str] = []
    current_bytes = 0
    goal = target()
    for rel in sorted(weight, key=lambda f: (-weight[f], f)):
        current.append(rel)
        current_bytes += weight[rel]
        if current_bytes >= goal:
            chunks.append(sorted(current))
            remaining -= current_bytes
            current, current_bytes = [], 0
            goal = target()
    if current:
        chunks.append(sorted(current))
    return chunks


def can_spawn_workers() -> bool:
    """Whether a spawned worker can start: it re-imports the main module first.

    A main module read from stdin (``python - < script``) has a ``__file__`` that names no
    file, and every worker would die on start; such runs scan in-process.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return path is None or Path(path).is_file()


def _stop_pool(executor: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop every worker now: cancel queued chunks, end the running ones."""
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    # Before 3.14 the executor has no public way to end running workers; its process
    # table is the only handle on them, and no worker may outlive the run.
    seen: dict[int, Any] = {}

    def snapshot() -> list[Any]:
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            seen.setdefault(id(process), process)
        return list(seen.values())

    processes = snapshot()
    # Taken now: shutdown(wait=False) forgets the executor's manager thread.
    manager = getattr(executor, "_executor_manager_thread", None)
    if callable(terminate):
        terminate()
    else:
        for process in processes:
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)
    # The manager thread notices the dead workers, reaps them and winds down; wait for it
    # (reaping a worker from two threads at once can leave it looking alive for a moment),
    # then look at the process table again, so a worker started meanwhile is not missed.
    if manager is not None:
        manager.join(timeout=1)
        if manager.is_alive():
            # A worker ended while sending its result leaves half a message in the result
            # pipe, and the manager thread waits for the rest forever (and the interpreter's
            # exit waits for that thread). Closing this process's copy of the pipe's write
            # end, the last one left, turns that wait into an end of file: the manager marks
            # the pool broken and winds down.
            writer = getattr(getattr(manager, "result_queue", None), "_writer", None)
            if writer is not None:
                with contextlib.suppress(OSError):
                    writer.close()
            manager.join(timeout=5)
    for process in snapshot():
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def scan_files(context: ScanContext, plan: Plan) -> tuple[list[dict[str, Any]], int]:
    """Scan the plan's files: the workers' parts, and how many worker processes ran.

    In-process (one "worker") below :data:`POOL_MIN_BYTES` of Python, with one job, or
    when workers cannot be spawned; otherwise in a pool of at most ``context.jobs``.
    """
    sizes: dict[str, int] = {}
    for rel in plan.files:
        try:
            sizes[rel] = context.path(rel).stat().st_size
        except OSError:
            sizes[rel] = 0  # the worker reports it as unreadable
    total_bytes = sum(sizes.values())
    workers = max(1, min(context.jobs, len(sizes)))
    if total_bytes < POOL_MIN_BYTES or not can_spawn_workers():
        workers = 1
    if workers == 1:
        return _scan_in_process(context, plan), workers
    chunks = balanced_chunks(sizes, workers)
    return _scan_in_pool(context, plan, chunks, workers), workers


def _scan_in_process(context: ScanContext, plan: Plan) -> list[dict[str, Any]]:
    def should_stop() -> bool:
        return context.cancel.is_set() or context.remaining <= 0

    try:
        part = scan_chunk(str(context.root), plan.files, plan.settings, should_stop)
    except Exception as exc:  # noqa: BLE001 - any crash of bandit becomes one line
        raise ScannerError(f"bandit crashed: {type(exc).__name__}: {exc}") from None
    if part.get("stopped"):
        raise ScannerError("bandit scan stopped: timed out or cancelled")
    if context.progress is not None:
        context.progress(len(plan.files), len(plan.files))
    return [part]


def _scan_in_pool(
    context: ScanContext,
    plan: Plan,
    chunks: list[list[str]],
    workers: int,
) -> list[dict[str, Any]]:
    import multiprocessing  # noqa: PLC0415

    # spawn, not fork: the engine runs scanners in threads, and forking a threaded
    # process can copy a held lock into the child.
    executor = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    )
    total = len(plan.files)
    done = 0
    parts: list[dict[str, Any]] = []
    queue = list(reversed(chunks))  # pop() takes the first (largest) chunk first
    pending: dict[concurrent.futures.Future[dict[str, Any]], int] = {}
    finished = False
    try:
        while queue or pending:
            if context.cancel.is_set() or context.remaining <= 0:
                raise ScannerError("bandit scan stopped: timed out or cancelled")
            # Keep every worker busy with one chunk queued behind it, no more, so
            # that stopping leaves little submitted work to throw away.
            while queue and len(pending) < workers * 2:
                chunk = queue.pop()
                future = executor.submit(scan_chunk, str(context.root), chunk, plan.settings, None)
                pending[future] = len(chunk)
            completed, _ = concurrent.futures.wait(
                pending,
                timeout=min(0.25, max(context.remaining, 0.01)),
                return_when=concurrent.futures.FIRST_COMPLETED,
            )
            for future in completed:
                size = pending.pop(future)
                try:
                    parts.append(future.result())
                except concurrent.futures.BrokenExecutor:
                    raise ScannerError(
                        "a bandit worker process died unexpectedly: out of memory, "
                        "killed, or a script that calls secgate.check() at import time "
                        "without `if __name__ == '__main__':` (each worker imports the "
                        "main module); --jobs 1 scans in-process"
                    ) from None
                except Exception as exc:  # noqa: BLE001 - a crash of bandit: one line
                    raise ScannerError(f"bandit crashed: {type(exc).__name__}: {exc}") from None
                done += size
                if context.progress is not None:
                    context.progress(done, total)
        finished = True
    finally:
        if finished:
            executor.shutdown(wait=True)
        else:
            _stop_pool(executor)
    return parts
