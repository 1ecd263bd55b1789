"""``secgate init``: a starter config secgate loads and uses, and the README's CI files."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from secgate.cli.init import GITHUB_WORKFLOW, GITLAB_JOB, starter_config
from secgate.config import load_file
from tests.conftest import REPO, run_cli

PYPROJECT = '[project]\nname = "shop"\nversion = "1.0"\n'
#: A commented-out example line of the starter: ``# key = value`` or ``# [table]``.
COMMENTED_KEY = re.compile(r"^# (\[\[?[a-z.-]+\]\]?|[a-z-]+ = .+)$")


def _readme_workflows() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "readme_workflows_for_init", REPO / ".ci" / "readme_workflows.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _readme_block(first_line: str) -> str:
    rw = _readme_workflows()
    blocks = rw.fenced_blocks((REPO / "README.md").read_text(encoding="utf-8"))
    [block] = [b for b in blocks if b.lang == "yaml" and b.text.startswith(first_line)]
    text: str = block.text
    return text


def _uncommented(text: str) -> str:
    """*text* with every commented-out example key and table made live."""
    return "\n".join(line[2:] if COMMENTED_KEY.match(line) else line for line in text.splitlines())


def test_init_appends_the_table_to_pyproject_and_check_uses_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "app.py").write_text("import os\n\nos.chmod('/tmp/x', 0o777)\n", encoding="utf-8")
    result = run_cli("init", str(tmp_path))
    assert result.code == 0, result.err
    assert "wrote " in result.out and "pyproject.toml" in result.out
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(PYPROJECT + "\n[tool.secgate]\n")  # the project's table kept
    assert tomllib.loads(text)["tool"]["secgate"]["fail-on"] == "high"
    # Make the starter's threshold the deciding one: B103 (high) blocks at "high" only.
    strict = text.replace('fail-on = "high"', 'fail-on = "critical"', 1)
    (tmp_path / "pyproject.toml").write_text(strict, encoding="utf-8")
    out = tmp_path / "report.json"
    check = run_cli(
        "check", str(tmp_path), "--no-cache", "--scanner", "bandit", "--format", "json",
        "--output", str(out),
    )  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["config_file"] == str(tmp_path / "pyproject.toml")
    assert (check.code, report["verdict"], report["policy"]["fail-on"]) == (0, "pass", "critical")
    assert report["policy"]["max-file-mb"] == 10 and report["policy"]["min-coverage"] == 0.5
    assert any(f["rule_id"] == "B103" and not f["blocking"] for f in report["findings"])


def test_every_key_of_the_starter_commented_or_not_is_accepted(tmp_path: Path) -> None:
    for pyproject, name in ((True, "pyproject.toml"), (False, "secgate.toml")):
        starter = starter_config(pyproject=pyproject)
        live = _uncommented(starter)
        assert live.count("\n# ") < starter.count("\n# ")  # examples were made live
        for line in starter.splitlines():
            if line.startswith("# ") and "=" in line and not COMMENTED_KEY.match(line):
                assert " = " not in line[:30], f"a key example the test cannot see: {line}"
        path = tmp_path / name
        path.write_text(live, encoding="utf-8")
        loaded = load_file(path)  # raises ConfigError on any unknown key or bad value
        config = loaded.config
        assert config.select == ("bandit", "semgrep", "secrets", "pip-audit")
        assert config.stages["release"].fail_on is not None
        assert config.scanners["bandit"] == {"exclude": ["migrations/"]}
        assert list(config.vex) == ["security/openvex.json"]
        [waiver] = config.waivers
        assert waiver.expires == date.today() + timedelta(days=90)


def test_without_pyproject_a_secgate_toml_with_the_same_keys(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path))
    assert result.code == 0, result.err
    assert not (tmp_path / "pyproject.toml").exists()
    own = tomllib.loads((tmp_path / "secgate.toml").read_text(encoding="utf-8"))
    table = tomllib.loads(starter_config(pyproject=True))["tool"]["secgate"]
    assert own == table
    assert load_file(tmp_path / "secgate.toml").config.fail_on.value == "high"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", PYPROJECT + '\n[tool.secgate]\nfail-on = "low"\n'),
        ("secgate.toml", 'fail-on = "low"\n'),
    ],
)
def test_an_existing_config_is_refused_with_exit_2(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("init", str(tmp_path), "--ci", "github")
    assert result.code == 2
    assert "already" in result.err and "nothing written" in result.err
    assert (tmp_path / name).read_text(encoding="utf-8") == text
    assert not (tmp_path / ".github").exists()  # all or nothing


def test_an_invalid_pyproject_is_an_error_not_appended_to(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    result = run_cli("init", str(tmp_path))
    assert result.code == 2 and "invalid TOML" in result.err
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == "[project\n"


def test_github_workflow_is_the_readmes(tmp_path: Path) -> None:
    assert _readme_block("# .github/workflows/secgate.yml\n") == GITHUB_WORKFLOW
    result = run_cli("init", str(tmp_path), "--ci", "github")
    assert result.code == 0, result.err
    workflow = tmp_path / ".github" / "workflows" / "secgate.yml"
    assert workflow.read_text(encoding="utf-8") == GITHUB_WORKFLOW
    again = run_cli("init", str(tmp_path), "--ci", "github", "--no-config")
    assert again.code == 2 and "already exists" in again.err


def test_github_workflow_passes_zizmor(tmp_path: Path) -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    found = str(zizmor) if zizmor.exists() else shutil.which("zizmor")
    if found is None:
        pytest.skip("zizmor is not installed (pip install zizmor, in the test extra)")
    assert run_cli("init", str(tmp_path), "--ci", "github", "--no-config").code == 0
    proc = subprocess.run(
        [found, "--offline", "--no-progress", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


def test_gitlab_job_is_the_readmes_and_an_existing_file_is_left_alone(tmp_path: Path) -> None:
    assert _readme_block("secgate:\n  image:") == GITLAB_JOB
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert run_cli("init", str(fresh), "--ci", "gitlab").code == 0
    assert (fresh / ".gitlab-ci.yml").read_text(encoding="utf-8") == GITLAB_JOB
    existing = tmp_path / "existing"
    existing.mkdir()
    ours = "stages: [test]\nunit:\n  script: [pytest]\n"
    (existing / ".gitlab-ci.yml").write_text(ours, encoding="utf-8")
    result = run_cli("init", str(existing), "--ci", "gitlab")
    assert result.code == 0, result.err
    assert (existing / ".gitlab-ci.yml").read_text(encoding="utf-8") == ours
    assert "was not changed; add this job to it:\n\n" + GITLAB_JOB in result.out
    assert (existing / "secgate.toml").is_file()  # the config is still written


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path), "--ci", "github", "--dry-run")
    assert result.code == 0, result.err
    assert list(tmp_path.iterdir()) == []
    assert "would write" in result.out and GITHUB_WORKFLOW in result.out
    assert run_cli("init", str(tmp_path), "--no-config").code == 2  # nothing to write
