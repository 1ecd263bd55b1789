"""House rules the code itself must keep, checked on the source."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

import secgate
from secgate.scanners.semgrep import find_binary
from tests.conftest import REPO

SOURCES = sorted((REPO / "secgate").rglob("*.py"))


def _calls(path: Path) -> list[ast.Call]:
    return [
        n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)
    ]


def test_no_subprocess_runs_through_a_shell() -> None:
    offenders = []
    for path in SOURCES:
        for call in _calls(path):
            for keyword in call.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
    assert SOURCES and offenders == []


def test_no_os_system_or_popen() -> None:
    offenders = []
    for path in SOURCES:
        for call in _calls(path):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id == "os" and func.attr in {"system", "popen"})
            ):
                offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
    assert offenders == []


def test_semgrep_is_always_run_with_metrics_off_and_no_version_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in semgrep that records how it was called, then hands over to the real one.
    real = find_binary()
    if real is None:
        pytest.skip("semgrep is not installed")
    log = tmp_path / "argv.json"
    spy = tmp_path / "semgrep"
    spy.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"open({str(log)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n",
        encoding="utf-8",
    )
    spy.chmod(0o755)
    monkeypatch.setenv("SECGATE_SEMGREP", str(spy))
    (tmp_path / "app.py").write_text("eval(x)\n", encoding="utf-8")
    verdict = secgate.check(tmp_path / "app.py", scanners=["semgrep"], overrides={"cache": False})
    assert verdict.scanner("semgrep").status is secgate.ScanStatus.OK
    argv = json.loads(log.read_text())
    assert "--metrics=off" in argv and "--disable-version-check" in argv
    assert not any(a.startswith(("--config=p/", "--config=r/")) for a in argv)
