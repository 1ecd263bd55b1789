"""secgate.process: the one way secgate runs a tool (issue 14)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from secgate import process

PY = sys.executable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): look at its state.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_output_and_exit_code_are_returned() -> None:
    done = process.run([PY, "-c", "import sys; print('out'); print('err', file=sys.stderr); "
                        "sys.exit(3)"], timeout=60)  # fmt: skip
    assert (done.returncode, done.text().strip(), done.text("stderr").strip()) == (3, "out", "err")


def test_a_timeout_stops_the_whole_process_group(tmp_path: Path) -> None:
    """The child starts a grandchild and both sleep: both are gone after the timeout."""
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([{PY!r}, '-c', 'import time; time.sleep(300)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(300)\n"
    )
    with pytest.raises(process.ProcessTimeout, match=r"did not finish within 2 s"):
        process.run([PY, "-c", script], timeout=2)
    grandchild = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)


def test_cancel_stops_the_process() -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    try:
        with pytest.raises(process.ProcessCancelled):
            process.run([PY, "-c", "import time; time.sleep(300)"], timeout=120, cancel=cancel)
    finally:
        timer.cancel()


def test_output_is_bounded() -> None:
    with pytest.raises(process.ProcessError, match="wrote more than 1 MB to stdout"):
        process.run([PY, "-c", "print('x' * 3_000_000)"], timeout=60, max_output=1024 * 1024)


def test_a_missing_program_is_a_start_error(tmp_path: Path) -> None:
    with pytest.raises(process.ProcessStartError) as caught:
        process.run([str(tmp_path / "nope")], timeout=5)
    assert caught.value.program == str(tmp_path / "nope")
    assert "No such file" in caught.value.reason


def test_streams_can_go_to_files_and_stdin_is_closed(tmp_path: Path) -> None:
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    started = threading.Event()
    done = process.run(
        [PY, "-c", "import sys; data = sys.stdin.read(); print(repr(data))"],
        timeout=60, stdout=out, stderr=err, on_start=started,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == b""
    assert out.read_text().strip() == "''"  # stdin is empty, never the terminal
    assert started.is_set()
