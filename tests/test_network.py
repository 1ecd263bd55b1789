"""No network access unless an online vulnerability service is configured.

Three views of one promise, each with every built-in scanner on the example app (its
dependency audit reads the offline OSV folder committed with it):

- in-process, with Python's sockets blocked: the check completes and nothing tried to connect;
- the real command under ``strace``: no process in the tree (semgrep's OCaml core included)
  calls ``connect`` on an internet socket;
- the real command in a network namespace with no network at all: the same verdict.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import secgate
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "insecure-app"
SCANNERS = ["bandit", "semgrep", "secrets", "pip-audit"]
pytestmark = pytest.mark.slow


def _command(*extra: str) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "secgate.cli",
        "check",
        str(EXAMPLE),
        "--no-cache",
        "--format",
        "json",
    ]
    for name in SCANNERS:
        args += ["--scanner", name]
    return [*args, *extra]


def test_full_check_with_sockets_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    verdict = secgate.check(EXAMPLE, scanners=SCANNERS, overrides={"cache": False})
    assert attempts == []
    states = {r.name: r.status.value for r in verdict.scanners if r.name in SCANNERS}
    assert states == dict.fromkeys(SCANNERS, "ok")
    assert verdict.status is secgate.VerdictStatus.FAIL


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_no_process_of_a_full_check_connects_to_the_network(tmp_path: Path) -> None:
    log = tmp_path / "connect.log"
    proc = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), *_command()],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if "ptrace" in proc.stderr and "Operation not permitted" in proc.stderr:
        pytest.skip("ptrace is not permitted here")
    assert proc.returncode == 1, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    states = {s["name"]: s["status"] for s in report["scanners"] if s["name"] in SCANNERS}
    assert states == dict.fromkeys(SCANNERS, "ok")
    calls = log.read_text(encoding="utf-8", errors="replace").splitlines()
    internet = [c for c in calls if re.search(r"sa_family=AF_INET6?\b", c)]
    assert internet == []


def test_full_check_gives_the_same_verdict_without_any_network(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if (
        unshare is None
        or subprocess.run([unshare, "--net", "true"], check=False, capture_output=True).returncode
        != 0
    ):
        pytest.skip("cannot create a network namespace here (needs root and unshare)")
    offline = subprocess.run(
        [unshare, "--net", *_command()], capture_output=True, text=True, timeout=600, check=False
    )
    online = subprocess.run(_command(), capture_output=True, text=True, timeout=600, check=False)
    assert offline.returncode == online.returncode == 1, offline.stderr[-2000:]

    def essence(out: str) -> list[tuple[str, str, int | None]]:
        return sorted((f["scanner"], f["rule_id"], f["line"]) for f in json.loads(out)["findings"])

    assert essence(offline.stdout) == essence(online.stdout)
