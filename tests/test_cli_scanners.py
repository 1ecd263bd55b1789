"""``secgate scanners``: "found" (installed, no scan tried) versus "ready" (a tiny scan was ok).

The broken semgrep is a script named semgrep that answers ``--version`` and crashes on every
scan: a real semgrep that does so cannot be made on demand.
"""

from __future__ import annotations

import io
import json
import stat
import sys
import time
from pathlib import Path

import pytest

from secgate.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the shim is a /bin/sh script")

BROKEN_SEMGREP = """#!/bin/sh
if [ "$1" = "--version" ]; then
    echo 1.185.0
    exit 0
fi
echo 'Traceback (most recent call last):' >&2
echo '  File "/opt/semgrep/cli.py", line 7, in main' >&2
echo 'OSError: semgrep-core is missing from this installation' >&2
exit 2
"""


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdout=out, stderr=io.StringIO())
    return code, out.getvalue()


def _states(text: str) -> dict[str, str]:
    rows = [line.split(None, 4) for line in text.splitlines() if not line.startswith("(")]
    return {row[0]: row[4] if len(row) > 4 else row[3] for row in rows}


@pytest.fixture(autouse=True)
def _no_project_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECGATE_CONFIG", raising=False)
    monkeypatch.delenv("SECGATE_POLICY", raising=False)
    monkeypatch.setenv("SECGATE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def broken_semgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shim = tmp_path / "bin" / "semgrep"
    shim.parent.mkdir()
    shim.write_text(BROKEN_SEMGREP, encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SECGATE_SEMGREP", str(shim))
    return shim


def test_a_semgrep_that_answers_version_is_found_not_ready(broken_semgrep: Path) -> None:
    from subprocess import run  # noqa: PLC0415

    answered = run([str(broken_semgrep), "--version"], capture_output=True, text=True, check=True)
    assert answered.stdout.strip() == "1.185.0"
    code, out = _run("scanners")
    assert code == 0
    states = _states(out)
    assert states["semgrep"] == "found"
    assert "ready" not in out
    assert "`secgate scanners --check` tries a scan" in out


def test_check_runs_a_tiny_scan_and_names_why_semgrep_cannot_run(broken_semgrep: Path) -> None:
    code, out = _run("scanners", "--check")
    assert code == 2
    states = _states(out)
    assert states["semgrep"].startswith(
        "cannot run: tiny scan: semgrep exited with code 2 and wrote no JSON: "
        "OSError: semgrep-core is missing from this installation"
    ), states
    assert states["bandit"] == "ready"
    assert states["secrets"] == "ready"
    code, out = _run("scanners", "--check", "--format", "json")
    assert code == 2
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["semgrep"]["available"] is False
    assert rows["semgrep"]["state"] == "cannot run"
    assert "semgrep-core is missing" in rows["semgrep"]["reason"]
    assert rows["bandit"]["state"] == "ready"


def test_check_with_the_real_semgrep_says_ready_and_stays_quick() -> None:
    start = time.monotonic()
    code, out = _run("scanners", "--check", "--format", "json")
    took = time.monotonic() - start
    assert code == 0, out
    rows = {r["name"]: r for r in json.loads(out)}
    assert {name: r["state"] for name, r in rows.items()} == {
        "bandit": "ready",
        "pip-audit": "ready",
        "secrets": "ready",
        "semgrep": "ready",
    }
    assert took < 60  # a tiny scan: about 4 s here, semgrep's start-up most of it
