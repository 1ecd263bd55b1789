"""Property-based tests: malformed config, baseline and report files never crash secgate.

Each parser either accepts its input or raises the one error type the CLI turns into a single
line and exit code 2 — never anything else, never a traceback.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secgate.baseline import load as load_baseline
from secgate.config import load_file, validate_config
from secgate.engine import load_report
from secgate.errors import ConfigError, ReportError
from tests.conftest import run_cli

KEYS = [
    "fail-on",
    "on-scanner-error",
    "select",
    "skip",
    "include",
    "exclude",
    "timeout",
    "jobs",
    "scanners",
    "stages",
    "waivers",
    "paths",
    "baseline",
    "cache",
    "cache-dir",
    "max-file-mb",
    "relax-test-code",
    "waiver-warning",
    "nonsense",
    "fail_on",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from([*KEYS, "id", "reason", "expires", "rule", "paths"]), inner, max_size=4
        ),
    ),
    max_leaves=12,
)
tables = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(tables)
def test_any_config_table_validates_or_raises_config_error(table: dict[str, object]) -> None:
    try:
        validate_config(table, "pyproject.toml", "tool.secgate")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("pyproject.toml: ")
        assert "\n" not in message


@SETTINGS
@given(st.text(alphabet=string.printable + "äß€\x00", max_size=300))
def test_any_config_file_text_loads_or_raises_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "secgate.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_file(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path))


@SETTINGS
@given(st.one_of(values, st.text(max_size=200)))
def test_any_baseline_file_loads_or_raises_config_error(tmp_path: Path, data: object) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(
        data
        if isinstance(data, str)
        else json.dumps({"secgate_baseline": 1, "entries": data}, default=str)
    )
    try:
        load_baseline(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(
            ["tool", "schema_version", "status", "findings", "scanners", "root", "reasons"]
        ),
        values,
        max_size=7,
    )
)
def test_any_report_file_loads_or_raises_report_error(
    tmp_path: Path, data: dict[str, object]
) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"tool": "secgate", "schema_version": "1.0", **data}, default=str))
    try:
        load_report(path)
    except ReportError as exc:
        assert str(exc).startswith(str(path))


@pytest.mark.parametrize(
    "text",
    [
        "[tool.secgate]\nfail-on = [\n",  # broken TOML
        "[tool.secgate]\nscanners = 3\n",  # wrong type
        "[tool.secgate]\n[[tool.secgate.waivers]]\nid = 'x'\n",
        "[tool]\nsecgate = 'not a table'\n",
    ],
)
def test_malformed_config_exits_2_with_one_line(project: Path, text: str) -> None:
    (project / "pyproject.toml").write_text(text)
    result = run_cli("check", str(project))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert str(project / "pyproject.toml") in result.err


def test_config_in_a_non_utf8_file_is_a_clear_error(project: Path) -> None:
    (project / "secgate.toml").write_bytes(b"fail-on = '\xff'\n")
    with pytest.raises(ConfigError, match="invalid TOML: not UTF-8"):
        load_file(project / "secgate.toml")
