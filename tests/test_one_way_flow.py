"""config -> engine -> scanners -> adjust -> evaluate (issue 14).

Baselines, waivers, path-policy exclusions and ``--new-since`` are the built-in *adjust*
step, so a plugin that replaces the built-in policy (``secgate_evaluate`` is firstresult)
still gets them applied: it only ever sees findings already set aside.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import secgate
from secgate.api import Decision, RunContext, hookimpl
from secgate.models import Finding, ScanResult, VerdictStatus
from tests.conftest import run_cli, write

VULNERABLE = "import os\n\n\ndef run():\n    os.system(input())\n"


class StrictPolicy:
    """Blocks every finding nobody set aside, whatever its severity."""

    seen: list[Finding]

    def __init__(self) -> None:
        self.seen = []

    @hookimpl(tryfirst=True)
    def secgate_evaluate(
        self, findings: list[Finding], results: list[ScanResult], run: RunContext
    ) -> Decision:
        self.seen = list(findings)
        judged = [
            f.model_copy(update={"blocking": f.suppressed_by is None, "decided_by": "strict"})
            for f in findings
        ]
        blocking = [f for f in judged if f.blocking]
        return Decision(
            status=VerdictStatus.FAIL if blocking else VerdictStatus.PASS,
            reasons=[f"strict: {len(blocking)} blocking"],
            decided_by="strict",
            findings=judged,
        )


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def test_a_replacement_policy_still_gets_baseline_waivers_and_path_exclusions(
    project: Path, tmp_path: Path
) -> None:
    write(project, {"a.py": VULNERABLE, "b.py": VULNERABLE, "c.py": VULNERABLE})
    baseline = tmp_path / "baseline.json"
    made = run_cli("baseline", str(project), "--scanner", "bandit", "-o", str(baseline))
    assert made.code == 0, made.err
    data = json.loads(baseline.read_text())
    data["entries"] = [e for e in data["entries"] if e["path"] == "a.py"]
    baseline.write_text(json.dumps(data))
    expires = (date.today() + timedelta(days=30)).isoformat()
    write(
        project,
        {
            "secgate.toml": (
                f'baseline = "{baseline}"\n'
                '[[waivers]]\nid = "w-b"\npath = "b.py"\nreason = "tracked"\n'
                f"expires = {expires}\n"
            )
        },
    )
    policy = StrictPolicy()
    verdict = secgate.check(project, scanners=["bandit"], plugins=[policy],
                            config=project / "secgate.toml")  # fmt: skip
    assert verdict.decided_by == "strict"
    by_path = {f.path: f.suppressed_by for f in policy.seen if f.rule_id == "B605"}
    assert by_path == {"a.py": "baseline", "b.py": "waiver:w-b", "c.py": None}
    # What the adjust step found still reaches the report without the built-in policy.
    assert verdict.baseline is not None and verdict.baseline.matched == 1
    assert [w.id for w in verdict.waivers] == ["w-b"]
    assert [f.path for f in verdict.blocking if f.rule_id == "B605"] == ["c.py"]


def test_a_replacement_policy_still_gets_new_since(project: Path) -> None:
    _git(project, "init", "-q", "-b", "main")
    write(project, {"old.py": VULNERABLE})
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "first")
    write(project, {"new.py": VULNERABLE})
    policy = StrictPolicy()
    verdict = secgate.check(project, scanners=["bandit"], plugins=[policy], new_since="HEAD")
    seen = {f.path: f.suppressed_by for f in policy.seen if f.rule_id == "B605"}
    assert seen == {"old.py": "preexisting", "new.py": None}
    assert verdict.new_since == "HEAD"
    assert verdict.status is VerdictStatus.FAIL


def test_the_adjust_plugin_is_a_registered_plugin_like_any_other() -> None:
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    host = make_plugin_host()
    names = {host.pm.get_name(p) for p in host.pm.get_plugins()}
    assert {"adjust", "policy"} <= names
    impls = host.pm.hook.secgate_adjust_findings.get_hookimpls()
    builtin = [i for i in impls if i.plugin_name == "adjust"]
    assert builtin and builtin[0].trylast  # plugins' own adjustments come first
