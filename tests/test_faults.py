"""Fault injection: every built-in scanner, every way it can fail, and the gate still holds.

For each scanner and each fault (its tool missing, crashing, writing invalid output, hanging
past its timeout): that scanner's status is error with the reason, another scanner's findings
are still reported, the verdict is error and the exit code is 2.

The external tools (semgrep, pip-audit) are replaced by small executables that fail the way
the real ones can; the in-process engines (bandit's API, the secret detector) get the fault
injected at the call that does the work.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from secgate.errors import PluginError
from secgate.scanners.bandit import worker as bandit_worker
from secgate.secrets import engine as secrets_engine
from tests.conftest import run_cli, write

FAULTS = ("missing", "crash", "invalid-output", "hang")
RELEASE = threading.Event()  # lets injected hangs end when the test session moves on


@pytest.fixture(autouse=True)
def _release_hangs() -> object:
    RELEASE.clear()
    yield
    RELEASE.set()


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


TOOL_SCRIPTS = {
    "crash": "import sys\nsys.stderr.write('Fatal error: segmentation fault in core\\n')\n"
    "sys.exit(139)\n",
    "invalid-output": "import sys\nsys.stdout.write('{\"results\": [truncated')\nsys.exit(0)\n",
    "hang": "import time\ntime.sleep(120)\n",
}


def _hang(*_args: object, **_kwargs: object) -> object:
    RELEASE.wait(120)
    raise RuntimeError("released")


def _raiser(exc: BaseException) -> Callable[..., object]:
    def fail(*_args: object, **_kwargs: object) -> object:
        raise exc

    return fail


def _returning(value: object) -> Callable[..., object]:
    def give(*_args: object, **_kwargs: object) -> object:
        return value

    return give


def inject(scanner: str, fault: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Make *scanner* fail with *fault* for the rest of the test."""
    if scanner == "semgrep":
        if fault == "missing":
            monkeypatch.setenv("SECGATE_SEMGREP", str(tmp_path / "no-such-semgrep"))
        else:
            fake = _script(tmp_path / "semgrep", TOOL_SCRIPTS[fault])
            monkeypatch.setenv("SECGATE_SEMGREP", str(fake))
    elif scanner == "pip-audit":
        if fault == "missing":
            monkeypatch.setattr("secgate.deps.sources.find_pip_audit", lambda: None)
        else:
            bin_dir = tmp_path / "bin"
            bin_dir.mkdir()
            _script(bin_dir / "pip-audit", TOOL_SCRIPTS[fault])
            monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    elif scanner == "bandit":
        if fault == "missing":
            for name in [n for n in sys.modules if n == "bandit" or n.startswith("bandit.")]:
                monkeypatch.setitem(sys.modules, name, None)
            monkeypatch.setitem(sys.modules, "bandit", None)
            return
        replacement: Callable[..., object] = {
            "crash": _raiser(MemoryError("bandit ran out")),
            "invalid-output": _returning({"garbage": True}),
            "hang": _hang,
        }[fault]
        monkeypatch.setattr(bandit_worker, "scan_chunk", replacement)
    elif scanner == "secrets":
        if fault == "missing":
            # The detector's "tool" is its rule set: without it, it must not pass silently.
            monkeypatch.setattr("secgate.plugins.bundled_rules", _no_rules)
            return
        replacement = {
            "crash": _raiser(OSError(5, "Input/output error")),
            "invalid-output": _returning("not a result"),
            "hang": _hang,
        }[fault]
        monkeypatch.setattr(secrets_engine.Detector, "scan_file", replacement)


def _no_rules(kind: str) -> Path:
    raise PluginError(f"secgate's bundled {kind} rules are missing")


PROJECT = {
    "app.py": "import subprocess\nsubprocess.call(cmd, shell=True)  # FAKE-ISSUE(high)\n",
    "requirements.txt": "flask==0.12\n",
    "deploy.sh": "curl https://example.invalid/install.sh | sh\n",
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("scanner", ["bandit", "semgrep", "pip-audit", "secrets"])
def test_scanner_fault_is_an_error_that_hides_nothing_else(  # noqa: PLR0917 - fixtures
    scanner: str,
    fault: str,
    fake_plugin: Path,
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = f"[scanners.{scanner}]\ntimeout = 3\n"
    if scanner == "pip-audit":
        options += "source = 'pip-audit'\n"
    write(project, {**PROJECT, "secgate.toml": options})
    inject(scanner, fault, monkeypatch, tmp_path)

    result = run_cli(
        "check",
        str(project),
        "--scanner",
        scanner,
        "--scanner",
        "fake-marker",
        "--format",
        "json",
        "--jobs",
        "1",
        "--no-cache",
    )
    assert result.code == 2, (result.out, result.err)
    report = json.loads(result.out)
    assert report["status"] == "error"
    states = {s["name"]: s for s in report["scanners"]}
    failed = states[scanner]
    assert failed["status"] == "error"
    assert failed["error"], "the reason must be given"
    if fault == "hang":
        assert re.search(r"(timed out after|did not finish within) 3 s", failed["error"])
    assert any(r.startswith(f"scanner {scanner} failed") for r in report["reasons"])
    # The other scanner ran and its finding is reported.
    assert states["fake-marker"]["status"] == "ok"
    assert [f["rule_id"] for f in report["findings"] if f["scanner"] == "fake-marker"] == [
        "FAKE001"
    ]
    assert "Traceback" not in result.out + result.err
