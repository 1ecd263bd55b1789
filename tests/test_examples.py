"""``examples/insecure-app``: `secgate check` on it must show what each scanner finds."""

from __future__ import annotations

from pathlib import Path

import pytest

import secgate
from secgate.config import Config
from secgate.models import VerdictStatus
from secgate.plugins import make_plugin_host
from secgate.scanners.semgrep import find_binary


@pytest.fixture(autouse=True)
def _raw_scanner_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanner's own findings, as it reports them: without the adjust step's merging of
    a pattern rule into the taint rule on the same sink, or its unconfirmed marks (both are
    tested in tests/test_evidence.py)."""
    monkeypatch.setenv("SECGATE_DISABLE_PLUGINS", "evidence")


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "insecure-app"


@pytest.mark.slow
@pytest.mark.skipif(find_binary() is None, reason="semgrep is not installed")
def test_insecure_app_gives_semgrep_findings_in_every_file_type() -> None:
    verdict = secgate.check(EXAMPLE, config=Config(select=("semgrep",)))
    assert verdict.scanner("semgrep").error is None
    paths = {f.path for f in verdict.findings}
    assert paths >= {
        "insecure_app/app.py",
        "insecure_app/auth.py",
        "insecure_app/db.py",
        "insecure_app/storage.py",
        "Dockerfile",
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        "scripts/deploy.sh",
    }
    rules = {f.rule_id for f in verdict.findings}
    assert {"gha-script-injection", "gha-pull-request-target-checkout"} <= rules
    assert {"python-subprocess-shell-injection", "dockerfile-latest-tag"} <= rules
    assert verdict.status is VerdictStatus.FAIL


@pytest.mark.slow
def test_insecure_app_gives_bandit_and_semgrep_findings() -> None:
    registered = make_plugin_host().scanners()
    if "bandit" not in registered or find_binary() is None:
        pytest.skip("needs both the bandit and the semgrep scanner")
    verdict = secgate.check(EXAMPLE, config=Config(select=("bandit", "semgrep")))
    assert verdict.scanner("bandit").error is None
    assert verdict.scanner("semgrep").error is None
    assert {f.scanner for f in verdict.findings} == {"bandit", "semgrep"}
    assert verdict.exit_code == 1
