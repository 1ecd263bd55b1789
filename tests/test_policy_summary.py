"""Every weakening of the defaults that a config asks for is listed first in the reports."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import secgate
import secgate.cli
from secgate.config import Config
from secgate.plugins import make_plugin_host
from secgate.weakenings import policy_summary
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
        ("min-coverage = 0.1\n", "min-coverage = 0.1: a scanner may analyse as little as 10%"),
        ("[scanners.bandit]\nmin-coverage = 0.2\n", "bandit: min-coverage = 0.2"),
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
    (line,) = [line for line in verdict.policy_summary if line.startswith("baseline in force")]
    assert line.startswith("baseline in force: 1 ")
    # Committed in the scanned tree: the pull request under review can rewrite it.
    assert "committed in the scanned tree: .secgate-baseline.json" in line


def test_a_baseline_kept_outside_the_tree_is_not_flagged_as_committed(
    project: Path, tmp_path: Path
) -> None:
    write(project, {"app.py": VULNERABLE})
    baseline = tmp_path / "owner-baseline.json"
    assert (
        secgate.cli.main(["baseline", str(project), "--scanner", "bandit", "-o", str(baseline)])
        == 0
    )
    verdict = secgate.check(project, scanners=["bandit"], baseline=baseline)
    (line,) = [line for line in verdict.policy_summary if line.startswith("baseline in force")]
    assert "committed" not in line


def test_a_stage_select_is_listed_for_that_stage(project: Path) -> None:
    write(project, {"secgate.toml": '[stages.pr]\nselect = ["bandit"]\n', "app.py": VULNERABLE})
    staged = secgate.check(project, stage="pr")
    assert "only these scanners run (select): bandit" in staged.policy_summary
    assert secgate.check(project, scanners=["bandit"]).policy_summary == ()


def test_defaults_give_no_summary(project: Path) -> None:
    write(project, {"app.py": VULNERABLE})
    verdict = secgate.check(project, scanners=["bandit"])
    assert verdict.policy_summary == ()
    assert "policy summary" not in make_plugin_host().reporters()["text"]().render(verdict)


def _summary_of(project: Path, config: Config | None = None) -> tuple[str, ...]:
    """The summary lines the run's own collection gives (as the engine passes it)."""
    verdict = secgate.check(project, scanners=["bandit"], config=config)
    return policy_summary(config or Config(), collection=verdict.collection)


def test_default_excludes_that_drop_files_below_the_root_are_listed(project: Path) -> None:
    write(
        project,
        {
            "app.py": VULNERABLE,
            "app/venv/x.py": VULNERABLE,
            "app/venv/lib/y.py": "",
            "app/venv/z.py": "",
            "web/node_modules/m/index.js": "",
            ".venv/lib/site.py": "",  # the project's own virtualenv, at the root: not listed
            "app/__pycache__/x.cpython-311.pyc": "",  # tool output: counted, not listed
        },
    )
    verdict = secgate.check(project, scanners=["bandit"])
    assert verdict.collection.excluded == {
        ".venv/": 1,
        "__pycache__/ (below the root)": 1,
        "node_modules/ (below the root)": 1,
        "venv/ (below the root)": 3,
    }
    lines = _summary_of(project)
    assert lines == (
        "default exclude 'node_modules/' left out 1 file below the root",
        "default exclude 'venv/' left out 3 files below the root",
    )
    assert policy_summary(Config()) == ()  # without the collection: nothing to say


def test_an_exclusion_of_more_than_a_tenth_of_the_candidates_is_counted(project: Path) -> None:
    write(project, {f"src/m{i}.py": "" for i in range(3)})
    write(project, {f"lib/m{i}.py": "" for i in range(6)})
    write(project, {"app.py": VULNERABLE, "docs/a.py": ""})
    config = Config(extend_exclude=("src/**", "docs/"))
    lines = _summary_of(project, config)
    assert "excluded by 'src/**': 3 of 11 candidate files (27%)" in lines
    assert not any("'docs/'" in line and "candidate" in line for line in lines)  # 1 of 11
    # include and .gitignore are counted the same way.
    lines = _summary_of(project, Config(include=("lib/**",)))
    assert "excluded by include: 5 of 11 candidate files (45%)" in lines
    write(project, {".gitignore": "lib/\n"})
    subprocess.run(["git", "init", "-q", str(project)], check=True, capture_output=True)
    lines = _summary_of(project)
    assert "excluded by .gitignore: 6 of 12 candidate files (50%)" in lines


def test_the_verdict_line_shows_each_scanners_own_threshold(project: Path) -> None:
    write(
        project, {"secgate.toml": '[scanners.bandit]\nfail-on = "critical"\n', "app.py": VULNERABLE}
    )
    verdict = secgate.check(project, scanners=["bandit"])
    assert verdict.passed
    assert verdict.reasons[0].startswith("no blocking findings: fail-on=high (bandit: critical), ")
