"""Starting semgrep: finding its executable, its arguments, its environment, and one run
through :func:`secgate.process.run` (a session of its own, so a timeout or a cancelled run
kills its whole process group), with long file lists split over several starts so that no
start's arguments exceed the system's limit.

It always runs with ``--metrics=off`` and ``--disable-version-check`` (without it every
offline run spends ~98 s retrying a server lookup), on exactly the files secgate collected:
file names are passed explicitly, after ``--`` and ``./``-prefixed, so semgrep's own
``tests/``-skipping defaults, ``.semgrepignore`` and ``.gitignore`` never drop a file, and a
name starting with ``-`` is never an option. Its settings and log go to a temporary folder,
never ``~/.semgrep``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from secgate import process
from secgate.errors import ScannerError
from secgate.plugins import ScanContext
from secgate.scanners.semgrep.options import INSTALL_HINT, SemgrepOptions

#: Environment variable naming the semgrep executable (checked before PATH).
BINARY_ENV = "SECGATE_SEMGREP"
#: OCaml runtime settings for semgrep-core unless the user set ``OCAMLRUNPARAM``: a 4M-word
#: minor heap (see :func:`child_environment`).
OCAML_RUNTIME_PARAMS = "s=4M"
#: Bytes of argument list per semgrep start (file names beyond it go to another start);
#: half of ARG_MAX leaves room for the environment and for systems that count differently.
ARG_BUDGET = max(32 * 1024, (os.sysconf("SC_ARG_MAX") if hasattr(os, "sysconf") else 32768) // 2)


def find_binary(configured: str | None = None) -> str | None:
    """The semgrep executable: *configured*, ``$SECGATE_SEMGREP``, secgate's own
    environment (next to ``sys.executable``, where ``pip install 'secgate-ci[semgrep]'``
    puts it, so its version matches the package metadata), then PATH."""
    for explicit in (configured, os.environ.get(BINARY_ENV)):
        if explicit:
            path = Path(explicit).expanduser()
            if path.is_file() and os.access(path, os.X_OK):
                return str(path)
            return shutil.which(explicit)
    sibling = shutil.which("semgrep", path=str(Path(sys.executable).parent))
    return sibling or shutil.which("semgrep")


def chunk_targets(targets: Sequence[str], budget: int) -> list[list[str]]:
    """Split *targets* so that each chunk's arguments fit in *budget* bytes.

    Each argument costs its UTF-8 length, its terminating NUL and its pointer (8 bytes).
    """
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for target in targets:
        cost = len(os.fsencode(target)) + 9
        if current and used + cost > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(target)
        used += cost
    if current:
        chunks.append(current)
    return chunks


def build_argv(
    binary: str,
    opts: SemgrepOptions,
    configs: Sequence[str],
    sarif: Path,
    jobs: int,
) -> list[str]:
    """semgrep's arguments up to ``--``, after which the file names follow."""
    argv = [
        binary,
        "scan",
        "--json",
        "--metrics=off",
        "--disable-version-check",
        # nosemgrep findings come back; the SARIF copy says which ones semgrep suppressed.
        "--disable-nosem",
        f"--sarif-output={sarif}",
        # ids as written in the rule files, not prefixed with the rules' folder path.
        "--no-rewrite-rule-ids",
        # secgate chose the files: never let git or .gitignore filter them.
        "--no-git-ignore",
        f"--jobs={max(1, jobs)}",
    ]
    for config in configs:
        argv.append(f"--config={config}")
    for rule_id in opts.exclude_rules:
        argv.append(f"--exclude-rule={rule_id}")
    argv.append("--")
    return argv


def split_starts(
    jobs: Iterable[tuple[Path, Sequence[str]]], probe: Sequence[str], env: Mapping[str, str]
) -> list[tuple[Path, list[str]]]:
    """The semgrep starts for *jobs* (each: the folder semgrep starts in, the relative paths
    it analyses there): every file ``./``-prefixed, each start's list of names cut so that
    it, the arguments before it (*probe*) and the environment fit in :data:`ARG_BUDGET`."""
    overhead = sum(len(os.fsencode(a)) + 9 for a in probe)
    overhead += sum(len(os.fsencode(f"{k}={v}")) + 9 for k, v in env.items())
    budget = max(4096, ARG_BUDGET - overhead)
    return [
        (cwd, chunk)
        for cwd, rels in jobs
        for chunk in chunk_targets([f"./{t}" for t in rels], budget)
    ]


def child_environment(binary: str, home: Path) -> dict[str, str]:
    """The environment semgrep runs with: no login, no metrics, nothing in ``~``, and
    ``PYTHONWARNINGS=ignore`` (see :data:`secgate.process.CHILD_WARNINGS`).

    Every inherited ``SEMGREP_*`` variable is dropped: a token would log in, ``SEMGREP_RULES``
    would add rules and ``SEMGREP_BASELINE_COMMIT`` would hide findings. Settings, log and
    version cache go to *home*, a temporary folder that also stands in for ``HOME``.
    """
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SEMGREP_")}
    # A `pip install --user` semgrep lives under the real home's user base: keep finding it.
    if "PYTHONUSERBASE" not in env and os.name == "posix":
        with contextlib.suppress(RuntimeError, KeyError):
            env["PYTHONUSERBASE"] = str(Path.home() / ".local")
    # semgrep re-executes `pysemgrep` and `semgrep-core` found on PATH: take the ones that
    # came with this binary, not another installation's.
    env["PATH"] = os.pathsep.join([str(Path(binary).parent), env.get("PATH", os.defpath)])
    # semgrep-core is OCaml 5: with its default 256k-word minor heap, its parallel workers
    # stop each other for a minor collection thousands of times a second. 4M words (32 MB
    # per worker) cut its CPU time by about a third on the Django tree
    # (benchmarks/semgrep_tuning.py). A value the user set is kept.
    env.setdefault("OCAMLRUNPARAM", OCAML_RUNTIME_PARAMS)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home),
            "XDG_CACHE_HOME": str(home),
            "SEMGREP_SETTINGS_FILE": str(home / "settings.yml"),
            "SEMGREP_LOG_FILE": str(home / "semgrep.log"),
            "SEMGREP_VERSION_CACHE_PATH": str(home / "version-cache"),
            "SEMGREP_SEND_METRICS": "off",
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "NO_COLOR": "1",
            # semgrep's Python wrapper warns on start (importlib.resources.path is
            # deprecated): under the user's PYTHONWARNINGS=error it would crash.
            **process.CHILD_WARNINGS,
        }
    )
    return env


@dataclass(frozen=True)
class RunOutput:
    """What one semgrep start produced."""

    returncode: int
    stdout: Path
    stderr: Path
    sarif: Path


def run_semgrep(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    workdir: Path,
    context: ScanContext,
    deadline: float,
    sarif: Path,
) -> RunOutput:
    """Start semgrep in a session of its own and wait for it, watching the deadline and
    ``context.cancel``; on either, kill its whole process group and raise."""
    stdout_path = workdir / "stdout.json"
    stderr_path = workdir / "stderr.txt"
    try:
        done = process.run(
            argv,
            cwd=cwd,
            env=env,
            timeout=max(deadline - time.monotonic(), 0.0),
            cancel=context.cancel,
            stdout=stdout_path,
            stderr=stderr_path,
            on_start=context.launched,
        )
    except process.ProcessStartError as exc:
        raise ScannerError(
            f"cannot start semgrep ({exc.program}): {exc.reason} ({INSTALL_HINT})"
        ) from None
    except process.ProcessCancelled:
        raise ScannerError("semgrep was stopped: the run gave up on this scanner") from None
    except process.ProcessTimeout:
        raise ScannerError(
            f"semgrep did not finish within {context.timeout:g} s and was stopped "
            "(raise scanners.semgrep.timeout if the tree is large)"
        ) from None
    returncode = done.returncode
    if returncode not in (0, 1) and _empty(stdout_path):
        cause = crash_cause(_read_tail(stderr_path))
        if cause is not None:
            raise ScannerError(f"semgrep exited with code {returncode} and wrote no JSON: {cause}")
    return RunOutput(returncode=returncode, stdout=stdout_path, stderr=stderr_path, sarif=sarif)


#: Bytes of semgrep's stderr read back to find why it crashed (its end holds the cause).
CRASH_TAIL = 64 * 1024
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')


def _empty(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return not handle.read(4096).strip()
    except OSError:
        return True


def _read_tail(path: Path, limit: int = CRASH_TAIL) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _short_path(path: str) -> str:
    """A frame's file, from the installed package's folder on (``semgrep/rpc.py``)."""
    for marker in ("site-packages/", "dist-packages/"):
        if marker in path:
            return path.rsplit(marker, 1)[1]
    return path


def crash_cause(stderr: str) -> str | None:
    """Why semgrep crashed, from its stderr: the exception a Python traceback ends with
    (and the frame that raised it), or semgrep-core's ``Fatal error`` line; None when
    stderr holds neither (then the end of stderr is shown as it is).

    A traceback's head only says where the call started; its cause is its last lines,
    which a one-line error cut to its first few hundred characters used to lose.
    """
    lines = [line.rstrip() for line in stderr.splitlines()]
    fatal = [line.strip() for line in lines if "Fatal error" in line]
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if starts:
        frame: re.Match[str] | None = None
        for line in lines[starts[-1] + 1 :]:
            if not line.strip():
                continue
            if line[0].isspace():
                frame = _FRAME.match(line) or frame
                continue
            where = (
                f" (raised in {_short_path(frame['file'])}, line {frame['line']}, "
                f"in {frame['func'].strip()})"
                if frame is not None
                else ""
            )
            return line.strip() + where
    if fatal:
        return fatal[-1]
    return None
