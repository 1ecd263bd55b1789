"""A missing built-in scanner fails closed (issue 15: no fail-open default).

``pip install secgate-ci`` with no extras used to answer PASS with bandit, semgrep and
pip-audit "skipped". A default run (no ``select``, no ``--scanner``) now needs every
built-in scanner; the config says otherwise with ``select`` or ``skip``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import secgate
from secgate.api import Availability
from secgate.models import ScanStatus, VerdictStatus
from secgate.scanners.bandit import BanditScanner
from tests.conftest import run_cli, write


@pytest.fixture
def no_bandit(monkeypatch: pytest.MonkeyPatch) -> None:
    """bandit as if not installed (pip install secgate-ci without the [bandit] extra)."""
    monkeypatch.setattr(
        BanditScanner,
        "availability",
        lambda _self: Availability(
            ok=False, reason="bandit is not installed", hint="pip install 'secgate-ci[bandit]'"
        ),
    )


def test_a_default_run_without_a_built_in_scanner_is_an_error(
    no_bandit: None, project: Path
) -> None:
    write(project, {"app.py": "x = 1\n"})
    result = run_cli("check", str(project), "--no-cache")
    assert result.code == 2
    assert "bandit" in result.out and "secgate-ci[bandit]" in result.out
    assert 'skip = ["bandit"]' in result.out
    verdict = secgate.check(project, config=secgate.Config(cache=False))
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.scanner("bandit").status is ScanStatus.ERROR


@pytest.mark.parametrize(
    "config",
    [
        'select = ["secrets"]\n',
        'skip = ["bandit"]\n',
    ],
)
def test_the_config_can_say_which_scanners_the_project_uses(
    no_bandit: None, project: Path, config: str
) -> None:
    write(project, {"secgate.toml": config + "cache = false\n", "app.py": "x = 1\n"})
    verdict = secgate.check(project)
    assert verdict.status is VerdictStatus.PASS, verdict.reasons
    assert verdict.scanner("bandit").status is ScanStatus.SKIPPED


def test_naming_the_scanner_still_makes_it_required(no_bandit: None, project: Path) -> None:
    write(project, {"app.py": "x = 1\n"})
    verdict = secgate.check(project, scanners=["bandit"], config=secgate.Config(cache=False))
    assert verdict.status is VerdictStatus.ERROR
    assert "required but cannot run" in (verdict.scanner("bandit").error or "")
