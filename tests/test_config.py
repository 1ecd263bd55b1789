"""Configuration discovery and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from secgate.config import Config, discover, load_file, parse_duration
from secgate.errors import ConfigError
from secgate.models import Severity
from tests.conftest import run_cli, write


def _one_line_error(result_err: str) -> str:
    lines = result_err.splitlines()
    assert len(lines) == 1, result_err
    assert "Traceback" not in result_err
    return lines[0]


def test_unknown_key_exits_2_naming_file_and_key_path(fake_plugin: Path, project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.secgate]\nfail-onn = 'high'\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    assert result.code == 2
    line = _one_line_error(result.err)
    assert str(project / "pyproject.toml") in line
    assert "tool.secgate.fail-onn: unknown key" in line
    assert "fail-on" in line  # the keys it expected


def test_wrong_type_exits_2_naming_file_and_key_path(fake_plugin: Path, project: Path) -> None:
    write(project, {"pyproject.toml": "[tool.secgate]\ntimeout = [1, 2]\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    assert result.code == 2
    line = _one_line_error(result.err)
    assert f"{project / 'pyproject.toml'}: tool.secgate.timeout:" in line
    assert "duration" in line


def test_bad_value_in_a_stage_and_a_scanner_table_names_the_nested_key(
    fake_plugin: Path, project: Path
) -> None:
    write(project, {"secgate.toml": "[stages.pr]\nfail-on = 'severe'\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    line = _one_line_error(result.err)
    assert result.code == 2 and "secgate.toml: stages.pr.fail-on:" in line
    assert "'severe'" in line

    write(project, {"secgate.toml": "[scanners.fake-marker]\nrule-prefx = 'X'\n"})
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    line = _one_line_error(result.err)
    assert result.code == 2 and "scanners.fake-marker.rule-prefx: unknown key" in line
    assert "rule-prefix" in line


def test_unknown_scanner_in_config_is_an_error(fake_plugin: Path, project: Path) -> None:
    write(project, {"secgate.toml": "select = ['bandt']\n"})
    result = run_cli("check", str(project))
    assert result.code == 2
    assert "select: unknown scanner 'bandt'" in _one_line_error(result.err)


def test_invalid_toml_names_file_line_and_column(project: Path) -> None:
    write(project, {"secgate.toml": "fail-on = \n"})
    with pytest.raises(ConfigError, match=r"secgate.toml: invalid TOML: .*line 1"):
        discover(project)


def test_discovery_walks_upward_and_prefers_the_closest(project: Path) -> None:
    write(
        project,
        {
            "pyproject.toml": "[tool.secgate]\nfail-on = 'low'\n",
            "sub/pyproject.toml": "[project]\nname = 'x'\n",  # no secgate table
            "sub/deeper/secgate.toml": "fail-on = 'critical'\n",
        },
    )
    assert discover(project / "sub").config.fail_on is Severity.LOW
    assert discover(project / "sub").path == project / "pyproject.toml"
    assert discover(project / "sub" / "deeper").config.fail_on is Severity.CRITICAL
    assert discover(project.parent).path is None  # nothing above: defaults


def test_stage_profile_overrides_only_what_it_sets(project: Path) -> None:
    write(
        project,
        {
            "secgate.toml": """
fail-on = "high"
timeout = "5m"
[scanners.fake-marker]
rule-prefix = "X"
fail-on = "critical"
[stages.release]
fail-on = "medium"
[stages.release.scanners.fake-marker]
fail-on = "low"
"""
        },
    )
    config = load_file(project / "secgate.toml").config
    release = config.for_stage("release")
    assert release.fail_on is Severity.MEDIUM and release.timeout == 300.0
    assert release.scanners["fake-marker"] == {"rule-prefix": "X", "fail-on": "low"}
    assert config.for_stage(None) is config
    with pytest.raises(
        ConfigError, match=r"unknown stage 'nightly' \(stages: pr, pre-commit, release\)"
    ):
        config.for_stage("nightly")


def test_conventional_stages_exist_without_a_stage_table() -> None:
    """The README's recipes use --stage pr / release / pre-commit in any project."""
    config = Config()
    assert config.for_stage("pr") == config
    assert config.for_stage("release").fail_on is Severity.MEDIUM
    assert config.for_stage("pre-commit").skip == ("pip-audit",)


def test_a_project_stage_replaces_the_built_in_one_of_its_name() -> None:
    config = Config.model_validate({"stages": {"release": {"fail-on": "low"}}})
    release = config.for_stage("release")
    assert release.fail_on is Severity.LOW
    assert config.for_stage("pre-commit").skip == ("pip-audit",)


def test_stage_chosen_on_the_command_line_changes_the_verdict(
    fake_plugin: Path, project: Path
) -> None:
    write(
        project,
        {
            "secgate.toml": "[stages.release]\nfail-on = 'medium'\n",
            "a.py": "# FAKE-ISSUE(medium)\n",
        },
    )
    assert run_cli("check", str(project), "--scanner", "fake-marker").code == 0
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--stage", "release")
    assert result.code == 1 and "stage release" in result.out


def test_scanner_fail_on_overrides_the_global_threshold(fake_plugin: Path, project: Path) -> None:
    write(
        project,
        {
            "secgate.toml": "[scanners.fake-marker]\nfail-on = 'low'\n",
            "a.py": "# FAKE-ISSUE(low)\n",
        },
    )
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "json")
    assert result.code == 1
    assert '"decided_by": "scanners.fake-marker.fail-on=low"' in result.out


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(600, 600.0), ("90s", 90.0), ("10m", 600.0), ("7d", 604800.0), ("1.5h", 5400.0)],
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", [0, -1, "soon", True, "5 parsecs"])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


def test_defaults_fail_closed() -> None:
    config = Config()
    assert config.fail_on is Severity.HIGH
    assert config.on_scanner_error == "fail"
    assert config.timeout == 600.0
