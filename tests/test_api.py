"""The Python API and the promise that importing secgate stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import secgate
from tests.conftest import write

HEAVY = ("bandit", "semgrep", "pip_audit", "yaml", "rich")


def _imported_after(code: str) -> set[str]:
    probe = (
        f"import sys\n{code}\nimport json\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_import_secgate_imports_no_scanning_tool() -> None:
    loaded = _imported_after("import secgate")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_secgate_help_imports_no_scanning_tool() -> None:
    code = (
        "from secgate.cli import main\nimport contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['check', '--help'])"
    )
    loaded = _imported_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_check_returns_a_verdict_with_passed(fake_plugin: Path, project: Path) -> None:
    write(project, {"a.py": "# FAKE-ISSUE(info)\n"})
    verdict = secgate.check(str(project), scanners=["fake-marker"])
    assert isinstance(verdict, secgate.Verdict)
    assert verdict.passed and verdict.exit_code == 0
    write(project, {"a.py": "# FAKE-ISSUE(high)\n"})
    failed = secgate.check(project, scanners=["fake-marker"], stage=None)
    assert not failed.passed and failed.exit_code == 1
    assert [f.rule_id for f in failed.blocking] == ["FAKE001"]


def test_check_accepts_a_config_object_and_several_paths(fake_plugin: Path, project: Path) -> None:
    write(
        project,
        {
            "a/x.py": "# FAKE-ISSUE(medium)\n",
            "b/y.py": "# FAKE-ISSUE(medium)\n",
            "c/z.py": "# FAKE-ISSUE(medium)\n",
        },
    )
    config = secgate.Config(fail_on=secgate.Severity.MEDIUM)
    verdict = secgate.check([project / "a", project / "b"], config=config, scanners=["fake-marker"])
    assert sorted(f.path for f in verdict.blocking) == ["a/x.py", "b/y.py"]


def test_public_api_is_declared() -> None:
    for name in secgate.__all__:
        assert hasattr(secgate, name), name
    assert secgate.check.__doc__ and "verdict" in secgate.check.__doc__
