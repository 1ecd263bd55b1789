"""The built-in policy: waivers, path-scoped policy, thresholds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from secgate.config import Waiver
from secgate.models import Finding, PackageInfo, Severity
from secgate.policy import waiver_matches
from tests.conftest import run_cli, write


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def _report(project: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = run_cli("check", str(project), "--scanner", "fake-marker", "--format", "json", *args)
    assert result.out.startswith("{"), result.err
    return result.code, json.loads(result.out)


SOURCE = {
    "app.py": "a()  # FAKE-ISSUE(high)\n",
    "billing/pay.py": "b()  # FAKE-ISSUE(high)\n",
    "legacy/old.py": "c()  # FAKE-ISSUE(critical)\n",
}


def test_waivers_valid_expiring_expired_and_unused(fake_plugin: Path, project: Path) -> None:
    write(
        project,
        {
            **SOURCE,
            "secgate.toml": f"""
[[waivers]]
id = "W-valid"
path = "app.py"
reason = "input is a constant; see review"
expires = {_day(90)}
owner = "alice"
ticket = "SEC-1"

[[waivers]]
id = "W-soon"
path = "billing/**"
reason = "fix scheduled in the billing rewrite"
expires = {_day(5)}

[[waivers]]
id = "W-expired"
rule = "FAKE001"
path = "legacy/"
reason = "temporary"
expires = {_day(-3)}

[[waivers]]
id = "W-unused"
fingerprint = "0000"
reason = "matches nothing any more"
expires = {_day(30)}
""",
        },
    )
    code, report = _report(project)
    assert code == 1
    states = {
        f["path"]: (f["blocking"], f["suppressed_by"], f["decided_by"]) for f in report["findings"]
    }
    assert states["app.py"][:2] == (False, "waiver:W-valid")
    assert states["billing/pay.py"][:2] == (False, "waiver:W-soon")
    assert states["legacy/old.py"][:2] == (True, None)  # expired: blocks again
    assert "waiver W-expired expired" in states["legacy/old.py"][2]
    waivers = {w["id"]: w for w in report["waivers"]}
    assert waivers["W-valid"]["state"] == "active" and waivers["W-valid"]["owner"] == "alice"
    assert waivers["W-soon"]["state"] == "expiring" and waivers["W-soon"]["days_left"] == 5
    assert waivers["W-expired"]["state"] == "expired" and waivers["W-expired"]["matched"] == 1
    assert waivers["W-unused"]["unused"] is True
    warnings = "\n".join(report["warnings"])
    assert f"waiver W-soon expires on {_day(5)} (in 5 days)" in warnings
    assert f"waiver W-expired expired on {_day(-3)} (3 days ago)" in warnings
    assert "waiver W-unused matched no finding (unused)" in warnings
    text = run_cli("check", str(project), "--scanner", "fake-marker").out
    assert "warning: waiver W-expired expired" in text


def test_waiver_without_reason_or_expires_is_a_config_error(
    fake_plugin: Path, project: Path
) -> None:
    write(
        project,
        {
            "pyproject.toml": '[[tool.secgate.waivers]]\nid = "W1"\nrule = "X"\n'
            f"expires = {_day(3)}\n"
        },
    )
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    assert result.code == 2
    assert "tool.secgate.waivers[0].reason: missing required key" in result.err
    write(
        project,
        {"pyproject.toml": '[[tool.secgate.waivers]]\nid = "W1"\nrule = "X"\nreason = "because"\n'},
    )
    result = run_cli("check", str(project), "--scanner", "fake-marker")
    assert result.code == 2
    assert "tool.secgate.waivers[0].expires: missing required key" in result.err
    assert result.err.count("\n") == 1


def test_waiver_by_advisory_alias(fake_plugin: Path) -> None:
    finding = Finding(
        scanner="pip-audit",
        rule_id="PYSEC-2024-1",
        severity=Severity.HIGH,
        message="m",
        path="requirements.txt",
        package=PackageInfo(
            name="x", version="1", advisory_id="PYSEC-2024-1", aliases=("CVE-2024-9", "GHSA-aaaa")
        ),
    )
    waiver = Waiver.model_validate(
        {"id": "w", "advisory": "CVE-2024-9", "reason": "because", "expires": _day(9)}
    )
    assert waiver_matches(waiver, finding)
    other = waiver.model_copy(update={"advisory": "CVE-2024-8"})
    assert not waiver_matches(other, finding)


def test_test_docs_and_example_code_blocks_only_at_critical_by_default(
    fake_plugin: Path, project: Path
) -> None:
    write(
        project,
        {
            "tests/test_x.py": "t()  # FAKE-ISSUE(high)\n",
            "pkg/conftest.py": "t()  # FAKE-ISSUE(high)\n",
            "docs/ex.py": "t()  # FAKE-ISSUE(critical)\n",
            "src/mod.py": "t()  # FAKE-ISSUE(high)\n",
        },
    )
    _, report = _report(project)
    states = {f["path"]: (f["blocking"], f["decided_by"]) for f in report["findings"]}
    assert states["tests/test_x.py"] == (False, "paths[test-code].fail-on=critical")
    assert states["pkg/conftest.py"] == (False, "paths[test-code].fail-on=critical")
    assert states["docs/ex.py"] == (True, "paths[test-code].fail-on=critical")
    assert states["src/mod.py"] == (True, "fail-on=high")
    write(project, {"secgate.toml": "relax-test-code = false\n"})
    _, strict = _report(project)
    assert all(f["blocking"] for f in strict["findings"])


def test_path_policies_set_thresholds_and_exclude_rules(fake_plugin: Path, project: Path) -> None:
    write(
        project,
        {
            **SOURCE,
            "secgate.toml": """
[[paths]]
id = "billing"
paths = ["billing/"]
fail-on = "medium"
[[paths]]
id = "legacy"
paths = ["legacy/**"]
exclude-rules = ["FAKE001"]
""",
            "billing/low.py": "m()  # FAKE-ISSUE(medium)\n",
        },
    )
    _, report = _report(project)
    states = {f["path"]: (f["blocking"], f["suppressed_by"]) for f in report["findings"]}
    assert states["billing/low.py"] == (True, None)
    assert states["legacy/old.py"] == (False, "path-policy:legacy")
    assert states["app.py"] == (True, None)
