"""Property-based tests: malformed config, baseline and report files never crash secgate.

Each parser either accepts its input or raises the one error type the CLI turns into a single
line and exit code 2 — never anything else, never a traceback.
"""

from __future__ import annotations

import json
import string
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secgate.baseline import load as load_baseline
from secgate.config import load_file, validate_config
from secgate.deps.manifests import read_manifests
from secgate.deps.osv import RecordError, advisory_from_record, parse_record
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


# --------------------------------------------------------------------------- dependency input

MANIFEST_NAMES = [
    "requirements.txt",
    "requirements-dev.txt",
    "pyproject.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pylock.toml",
]
requirement_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "flask==0.12",
                "Django>=4,<5",
                "-r other.txt",
                "-c constraints.txt",
                "-e .",
                "git+https://example.invalid/x.git#egg=x",
                "--hash=sha256:00",
                "pkg[extra]==1.0 ; python_version < '3.8'",
                "\\",
                "# comment",
                "",
                "name @ file:///tmp/x",
                "==1.0",
                "pkg===weird",
                "-r requirements.txt",
            ]
        ),
        st.text(alphabet=string.printable, max_size=40),
    ),
    max_size=12,
)
toml_documents = st.recursive(
    st.one_of(st.text(max_size=10), st.integers(), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "project",
                    "dependencies",
                    "optional-dependencies",
                    "dependency-groups",
                    "package",
                    "name",
                    "version",
                    "packages",
                    "default",
                    "develop",
                    "tool",
                    "poetry",
                    "source",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=15,
)


def _toml_text(data: object) -> str:
    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        return '""'

    if not isinstance(data, dict):
        return f"x = {value(data)}\n"
    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in data.items())


@SETTINGS
@given(st.sampled_from(MANIFEST_NAMES), requirement_lines, toml_documents, st.binary(max_size=80))
def test_any_manifest_is_read_or_reported_never_a_crash(
    tmp_path: Path, name: str, lines: list[str], document: object, noise: bytes
) -> None:
    path = tmp_path / name
    if name.startswith("requirements"):
        path.write_text("\n".join(lines), encoding="utf-8")
    elif name == "Pipfile.lock":
        path.write_text(json.dumps(document, default=str), encoding="utf-8")
    else:
        path.write_bytes(_toml_text(document).encode() + noise)
    result = read_manifests(tmp_path, [name])
    for problem in result.problems:
        assert problem.path and problem.message  # file (and line) named, reason given
    for declaration in result.declarations:
        assert declaration.path
        assert declaration.line is None or declaration.line >= 1


osv_records = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "modified",
            "withdrawn",
            "aliases",
            "affected",
            "severity",
            "database_specific",
            "summary",
            "details",
            "references",
        ]
    ),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.text(max_size=12), st.integers()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(
                st.sampled_from(
                    [
                        "package",
                        "ecosystem",
                        "name",
                        "ranges",
                        "type",
                        "events",
                        "introduced",
                        "fixed",
                        "last_affected",
                        "limit",
                        "versions",
                        "score",
                        "severity",
                    ]
                ),
                inner,
                max_size=4,
            ),
        ),
        max_leaves=20,
    ),
    max_size=8,
)


@SETTINGS
@given(osv_records, st.sampled_from(["r.json", "r.yaml"]))
def test_any_osv_record_parses_or_raises_record_error(record: dict[str, object], name: str) -> None:
    data = (json.dumps(record) if name.endswith(".json") else yaml.safe_dump(record)).encode()
    try:
        advisory_from_record(parse_record(data, name))
    except RecordError as exc:
        assert str(exc)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["r.json", "r.yaml"]))
def test_any_osv_bytes_parse_or_raise_record_error(data: bytes, name: str) -> None:
    try:
        advisory_from_record(parse_record(data, name))
    except RecordError as exc:
        assert str(exc)


# --------------------------------------------------------------------------- ReDoS

EVIL_RULE = """schema = "secgate-secrets/1"
[[rules]]
id = "team-evil-token"
description = "a team rule with a nested quantifier, the classic ReDoS shape"
regex = '''token=((a|aa)+)+$'''
keywords = ["token="]
severity = "high"
"""


def test_a_crafted_line_cannot_hang_the_secret_scan(project: Path) -> None:
    # With a backtracking engine this line takes longer than the age of the universe:
    # (a|aa)+ nested, 5,000 a's, then a character that makes the match fail at the end.
    (project / "evil-rules.toml").write_text(EVIL_RULE, encoding="utf-8")
    (project / "secgate.toml").write_text('[scanners.secrets]\nrules = ["evil-rules.toml"]\n')
    (project / "payload.txt").write_text("token=" + "a" * 5000 + "!\n" * 1, encoding="utf-8")
    started = time.monotonic()
    result = run_cli("check", str(project), "--scanner", "secrets", "--format", "json")
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    assert elapsed < 20
    details = next(s for s in json.loads(result.out)["scanners"] if s["name"] == "secrets")
    assert details["status"] == "ok"
