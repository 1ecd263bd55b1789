"""Running a child process: one way for every tool secgate starts (semgrep, pip-audit, git).

Every child gets an argument list (never a shell), no terminal input, a timeout, and a
session of its own, so that on a timeout, a cancelled run or any exception the whole
process group is stopped, not just the first process (semgrep and pip-audit start
helpers). Output goes to temporary files, never to pipes that can fill up, and is read
back bounded: a tool that floods its output is an error, not an out-of-memory gate.

Tools that run inside secgate's process (bandit, in-process and in its worker processes)
run under :func:`contained_warnings`, and children get ``PYTHONWARNINGS=ignore``
(:data:`CHILD_WARNINGS`): a third-party ``DeprecationWarning`` under ``-W error`` or
``PYTHONWARNINGS=error`` must not crash a scanner (an ERROR verdict with a cold cache,
PASS with a warm one), nor show up in the user's warning summary.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

#: Seconds a process gets to stop after SIGTERM before SIGKILL.
KILL_GRACE = 2.0
#: Bytes of stdout (and of stderr) read back by default.
MAX_OUTPUT = 256 * 1024 * 1024
_POLL = 0.1
#: Set in every scanner child's environment: a ``PYTHONWARNINGS=error`` the user runs
#: secgate with would otherwise turn the tool's own deprecation warnings into a crash.
CHILD_WARNINGS = {"PYTHONWARNINGS": "ignore"}

logger = logging.getLogger(__name__)

_contain_lock = threading.Lock()
_contain_depth = 0
_contain_saved: warnings.catch_warnings | None = None


def _log_warning(  # noqa: PLR0917 - warnings.showwarning's signature
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    del file, line  # never shown: logged
    logger.debug("contained %s at %s:%s: %s", category.__name__, filename, lineno, message)


@contextlib.contextmanager
def contained_warnings() -> Iterator[None]:
    """Run a scanner tool's own calls (its import included) with warnings contained.

    Every warning raised inside is logged at debug on this module's logger, never shown
    and never raised, whatever the caller's filters (``-W error``). The warning filters
    are process-wide, and scanners run in threads: the first thread in installs the
    containment and the last one out restores the caller's filters and ``showwarning``
    exactly as they were (nested and concurrent uses are counted). While it is active, a
    warning another thread of the caller raises is logged at debug too.
    """
    global _contain_depth, _contain_saved  # noqa: PLW0603 - one process-wide state
    with _contain_lock:
        if _contain_depth == 0:
            saved = warnings.catch_warnings()
            saved.__enter__()
            warnings.simplefilter("always")
            warnings.showwarning = _log_warning
            _contain_saved = saved
        _contain_depth += 1
    try:
        yield
    finally:
        with _contain_lock:
            _contain_depth -= 1
            if _contain_depth == 0 and _contain_saved is not None:
                _contain_saved.__exit__(None, None, None)
                _contain_saved = None


class ProcessError(Exception):
    """A child process could not be run to its end. The message is one line."""


class ProcessStartError(ProcessError):
    """The program could not be started (missing, not executable)."""

    def __init__(self, program: str, reason: str) -> None:
        super().__init__(f"cannot start {program}: {reason}")
        self.program = program
        self.reason = reason


class ProcessTimeout(ProcessError):
    """The process ran past its timeout and was stopped."""


class ProcessCancelled(ProcessError):
    """The run was cancelled (the engine gave up on this scanner) and the process stopped."""


@dataclass(frozen=True)
class Completed:
    """A process that ran to its end."""

    returncode: int
    stdout: bytes
    stderr: bytes

    def text(self, stream: str = "stdout") -> str:
        """*stream* decoded as UTF-8, undecodable bytes replaced."""
        data = self.stdout if stream == "stdout" else self.stderr
        return data.decode("utf-8", "replace")


def kill_group(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Stop *proc* and everything it started (its own process group), then reap it."""
    if sys.platform == "win32":  # pragma: no cover - no process groups there
        proc.kill()
        proc.wait()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=KILL_GRACE)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _read_bounded(handle: IO[bytes], limit: int, name: str, program: str) -> bytes:
    handle.seek(0)
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise ProcessError(f"{program} wrote more than {limit // (1024 * 1024)} MB to {name}")
    return data


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    cancel: threading.Event | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    max_output: int = MAX_OUTPUT,
    on_start: threading.Event | None = None,
) -> Completed:
    """Run *argv* to its end and return its exit code and output.

    ``stdout``/``stderr`` name files to write that stream to (the caller reads them; the
    returned bytes are then empty); otherwise the streams are captured, bounded by
    *max_output*. ``on_start`` is set once the process runs. Raises
    :class:`ProcessStartError`, :class:`ProcessTimeout`, :class:`ProcessCancelled` or
    :class:`ProcessError` (output too large); the process group is gone in every case.
    """
    program = Path(argv[0]).name
    deadline = time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        out: IO[bytes] = (
            stack.enter_context(stdout.open("wb"))
            if stdout is not None
            else stack.enter_context(tempfile.TemporaryFile())
        )
        err: IO[bytes] = (
            stack.enter_context(stderr.open("wb"))
            if stderr is not None
            else stack.enter_context(tempfile.TemporaryFile())
        )
        try:
            proc = subprocess.Popen(  # noqa: S603 - an argument list, never a shell
                list(argv),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=sys.platform != "win32",
            )
        except OSError as exc:
            raise ProcessStartError(argv[0], str(exc.strerror or exc)) from None
        if on_start is not None:
            on_start.set()
        try:
            while True:
                try:
                    returncode = proc.wait(timeout=_POLL)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if cancel is not None and cancel.is_set():
                    kill_group(proc)
                    raise ProcessCancelled(f"{program} was stopped: the run was cancelled")
                if time.monotonic() >= deadline:
                    kill_group(proc)
                    raise ProcessTimeout(f"{program} did not finish within {timeout:g} s")
        finally:
            if proc.returncode is None:  # an exception while waiting: never leave it running
                kill_group(proc)
            elif sys.platform != "win32":
                # Done; anything it left behind in its group goes too.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        out_bytes = b"" if stdout is not None else _read_bounded(out, max_output, "stdout", program)
        err_bytes = b"" if stderr is not None else _read_bounded(err, max_output, "stderr", program)
    return Completed(returncode=returncode, stdout=out_bytes, stderr=err_bytes)
