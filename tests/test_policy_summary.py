"""Every weakening of the defaults that a config asks for is listed first in the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import secgate
import secgate.cli
from secgate.plugins import make_plugin_host
from tests.conftest import write

VULNERABLE = "import os\nos.system(input())\n"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('skip = ["semgrep"]\n', "scanners skipped (skip): semgrep"),
        ('select = ["bandit"]\n', "only these scanners run (select): bandit"),
        ('fail-on = "critical"\n', "fail-on = critical"),
        ('on-scanner-error = "warn"\n', "on-scanner-error = warn"),
        ('include = ["*.py", "docs/**"]\n', "only files matching include = ['*.py', 'docs/**']"),
        ('extend-exclude = ["vendor/"]\n', "excluded (extend-exclude): ['vendor/']"),
        ('exclude = ["legacy/"]\n', "excluded (exclude): ['legacy/']"),
        ('[[paths]]\npaths = ["**"]\nfail-on = "critical"\n', "relaxes every file"),
        ('[scanners.bandit]\nfail-on = "critical"\n', "bandit blocks only at critical"),
        ("[scanners.semgrep]\nbundled-rules = false\n", "semgrep: bundled rules off"),
        ('[scanners.semgrep]\nexclude-rules = ["x"]\n', "semgrep: exclude-rules = ['x']"),
        ('[scanners.secrets]\ndisable = ["aws-access-key-id"]\n', "secrets: disable"),
        ('[scanners.bandit]\nskips = ["B605"]\n', "bandit: skips = ['B605']"),
        (
            '[[waivers]]\nid = "w1"\nreason = "accepted"\nexpires = "2999-01-01"\npath = "**"\n',
            "1 waiver(s) in force; over every file: w1; expiring more than a year out: w1",
        ),
    ],
)
def test_each_weakening_is_listed_in_text_markdown_and_json(
    project: Path, config: str, expected: str
) -> None:
    write(project, {"secgate.toml": config, "app.py": VULNERABLE})
    verdict = secgate.check(project, scanners=["bandit"])
    assert any(expected in line for line in verdict.policy_summary), verdict.policy_summary
    reporters = make_plugin_host().reporters()
    text = reporters["text"]().render(verdict)
    assert text.index("policy summary") < text.index("bandit")
    assert expected in text
    markdown = reporters["markdown"]().render(verdict)
    assert "### Policy summary" in markdown
    report = json.loads(reporters["json"]().render(verdict))
    assert any(expected in line for line in report["policy_summary"])


def test_a_baseline_in_force_is_listed(project: Path) -> None:
    write(project, {"app.py": VULNERABLE})
    baseline = project / ".secgate-baseline.json"
    assert (
        secgate.cli.main(["baseline", str(project), "--scanner", "bandit", "-o", str(baseline)])
        == 0
    )
    verdict = secgate.check(project, scanners=["bandit"], baseline=baseline)
    assert any(line.startswith("baseline in force: 1 ") for line in verdict.policy_summary)


def test_defaults_give_no_summary(project: Path) -> None:
    write(project, {"app.py": VULNERABLE})
    verdict = secgate.check(project, scanners=["bandit"])
    assert verdict.policy_summary == ()
    assert "policy summary" not in make_plugin_host().reporters()["text"]().render(verdict)
