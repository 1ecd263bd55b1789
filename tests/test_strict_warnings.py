"""Strict warning settings (``-W error``, ``PYTHONWARNINGS=error``) never change the verdict.

Real bandit warns while it loads (stevedore's ``DeprecationWarning`` about
``verify_requirements``) and real semgrep's Python wrapper warns on start
(``importlib.resources.path`` is deprecated); under ``error`` those warnings used to crash
the scanners: ERROR with a cold cache, PASS with a warm one. The scanners run with the
tools' warnings contained (logged at debug), and their children with
``PYTHONWARNINGS=ignore``, so the gate judges the code, not the warning settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.models import Verdict

pytest_plugins = ["pytester"]

SECGATE = [sys.executable, "-m", "secgate.cli"]
#: A command line argument run by a shell: bandit's B602 (high) and semgrep's taint rule.
APP = (
    "import subprocess\nimport sys\n\n\n"
    "def run():\n    return subprocess.call(sys.argv[1], shell=True)\n"
)


def _tree(base: Path, scanners: str = '"bandit"') -> Path:
    root = base / "proj"
    root.mkdir()
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "proj"\nversion = "0"\n\n[tool.secgate]\nselect = [{scanners}]\n',
        encoding="utf-8",
    )
    return root


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECGATE_", "PYTEST_"))}
    env.pop("PYTHONWARNINGS", None)
    env["SECGATE_CACHE_DIR"] = str(tmp_path / "cache")
    env.update(extra)
    return env


def _check(root: Path, env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    proc = subprocess.run(
        [*SECGATE, "check", str(root), "--format", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return proc.returncode, report


def _statuses(report: dict[str, Any]) -> dict[str, str]:
    scanners = report["scanners"]
    assert isinstance(scanners, list)
    return {s["name"]: s["status"] for s in scanners if s["status"] != "skipped"}


def test_pythonwarnings_error_fails_on_the_finding_with_a_cold_and_a_warm_cache(
    tmp_path: Path,
) -> None:
    root = _tree(tmp_path, '"bandit", "semgrep"')
    env = _env(tmp_path, PYTHONWARNINGS="error")
    # Cold cache (a fresh cache folder), warm cache (the same folder again), no cache.
    for args in ((), (), ("--no-cache",)):
        code, report = _check(root, env, *args)
        assert _statuses(report) == {"bandit": "ok", "semgrep": "ok"}, report["scanners"]
        assert report["status"] == "fail"
        assert code == 1
        found = {f["scanner"] for f in report["findings"]}
        assert found == {"bandit", "semgrep"}
    # Without strict warnings: the same verdict (the baseline the strict runs must match).
    code, report = _check(root, _env(tmp_path / "plain"), "--no-cache")
    assert (code, report["status"]) == (1, "fail")


def test_in_process_check_under_error_filter_records_no_scanner_warning(
    tmp_path: Path,
) -> None:
    root = _tree(tmp_path)
    for name in [m for m in sys.modules if m == "bandit" or m.startswith(("bandit.", "stevedore"))]:
        # A cold start: bandit's import is where stevedore warns.
        del sys.modules[name]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("error")
        verdict = secgate.check(root, overrides={"cache": False})
        filters_inside = list(warnings.filters)
    assert isinstance(verdict, Verdict)
    statuses = {r.name: (r.status.value, r.error) for r in verdict.scanners}
    assert statuses["bandit"] == ("ok", None)
    assert verdict.status.value == "fail"
    assert "B602" in {f.rule_id for f in verdict.findings}
    assert [str(w.message) for w in seen] == []
    # The caller's filters are back as they were (containment restores them).
    assert filters_inside[0][0] == "error"


def test_in_process_check_with_workers_contains_their_warnings(tmp_path: Path) -> None:
    """Enough Python for the worker pool: the spawned workers contain bandit's warnings too
    (they inherit ``-W error`` from the parent's flags)."""
    script = tmp_path / "run.py"
    root = _tree(tmp_path)
    filler = "".join(f"value_{i} = {i}  # padding for the worker pool\n" for i in range(4000))
    for n in range(6):
        (root / f"pad{n}.py").write_text(filler, encoding="utf-8")
    script.write_text(
        textwrap.dedent(
            f"""
            import warnings
            import secgate

            if __name__ == "__main__":
                with warnings.catch_warnings(record=True) as seen:
                    warnings.simplefilter("error")
                    verdict = secgate.check({str(root)!r}, jobs=2, overrides={{"cache": False}})
                bandit = next(r for r in verdict.scanners if r.name == "bandit")
                print(bandit.status.value, bandit.details.get("workers"), verdict.status.value)
                print(len(seen))
            """
        ),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["ok", "2", "fail", "0"], proc.stdout + proc.stderr[-3000:]


@pytest.mark.parametrize("strict", [False, True])
def test_pytest_plugin_gate_is_the_same_under_w_error(
    pytester: pytest.Pytester, tmp_path: Path, strict: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECGATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    pytester.makepyprojecttoml('[tool.secgate]\nselect = ["bandit"]\ncache = false\n')
    pytester.makepyfile(app=APP, test_user="def test_one():\n    pass\n")
    args = ["--secgate", "-p", "no:cacheprovider"] + (["-W", "error"] if strict else [])
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*B602*"])
    assert "crashed" not in result.stdout.str()
    assert "DeprecationWarning" not in result.stdout.str()


def test_pip_audit_child_runs_with_warnings_ignored_and_the_parent_keeps_its_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from secgate.deps.sources import PipAuditSource  # noqa: PLC0415

    monkeypatch.setenv("PYTHONWARNINGS", "error")
    source = PipAuditSource(sys.executable, timeout=60)
    code, out, _ = source._run(
        [sys.executable, "-c", "import os; print(os.environ['PYTHONWARNINGS'])"]
    )
    assert (code, out.strip()) == (0, "ignore")
    assert os.environ["PYTHONWARNINGS"] == "error"


def test_containment_from_threads_that_overlap_restores_the_callers_filters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import threading  # noqa: PLC0415

    from secgate.process import contained_warnings  # noqa: PLC0415

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with contained_warnings():
            first_in.set()
            second_in.wait(10)
        first_out.set()  # leaves while the second is still inside

    def second() -> None:
        first_in.wait(10)
        with contained_warnings():
            second_in.set()
            first_out.wait(10)
            warnings.warn("from the tool", DeprecationWarning, stacklevel=1)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("error")
        before = (list(warnings.filters), warnings.showwarning)
        caplog.set_level("DEBUG", logger="secgate.process")
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        after = (list(warnings.filters), warnings.showwarning)
        with pytest.raises(UserWarning):
            warnings.warn("the caller's own", UserWarning, stacklevel=1)
    assert after == before
    assert seen == []
    assert any("DeprecationWarning" in r.getMessage() for r in caplog.records)
