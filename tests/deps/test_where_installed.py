"""Dependencies are judged where they are installed (issue 13 §2).

- A line of ``docs/requirements.txt`` that ``requirements.txt`` includes with ``-r`` is
  installed by ``pip install -r requirements.txt``: the path policy of ``requirements.txt``
  judges it (the built-in one relaxes ``docs/`` to critical), and the finding still points
  at the declaring line.
- An exact pin that the lock file beside it pins at another version is installed by
  ``pip install .`` / ``pip install -r``: it is audited itself and reported as a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.deps.manifests import read_manifests
from secgate.models import Finding, Severity, Verdict, VerdictStatus
from secgate.plugins import make_plugin_host
from secgate.scanners.pip_audit import PipAuditOptions
from tests.deps.helpers import osv_record

CVSS_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"  # 7.5
CVSS_MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"  # 6.1


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def _check(root: Path, db: Path) -> Verdict:
    return secgate.check(
        root,
        scanners=["pip-audit"],
        overrides={"cache": False, "scanners": {"pip-audit": {"vuln-db": str(db)}}},
    )


def _advisories(verdict: Verdict, rule: str = "PYSEC-2099-1") -> list[Finding]:
    return [f for f in verdict.findings if f.rule_id == rule]


@pytest.fixture
def db(write_db: Callable[..., Path]) -> Path:
    """pyyaml 5.0 and 5.3 have a high advisory; jinja2 2.10 a medium one."""
    return write_db(
        osv_record(
            "PYSEC-2099-1",
            "pyyaml",
            events=[{"introduced": "0"}, {"fixed": "5.4"}],
            severity=[{"type": "CVSS_V3", "score": CVSS_HIGH}],
            summary="Arbitrary code execution in full_load",
        ),
        osv_record(
            "PYSEC-2099-2",
            "jinja2",
            versions=["2.10"],
            severity=[{"type": "CVSS_V3", "score": CVSS_MEDIUM}],
        ),
    )


# --------------------------------------------------------------------------- includes


def test_a_docs_file_included_from_the_root_requirements_blocks_as_production(
    tmp_path: Path, db: Path
) -> None:
    root = _write(
        tmp_path / "app",
        {
            "requirements.txt": "-r docs/requirements.txt\n",
            "docs/requirements.txt": "pyyaml==5.3\n",
        },
    )
    verdict = _check(root, db)
    # docs/requirements.txt is also a manifest of its own: still one finding.
    (finding,) = _advisories(verdict)
    assert (finding.path, finding.line) == ("docs/requirements.txt", 1)
    assert finding.severity is Severity.HIGH
    assert finding.properties["policy_path"] == "requirements.txt"
    assert finding.properties["included_from"] == "requirements.txt"
    assert finding.blocking, finding.decided_by
    assert finding.decided_by == "fail-on=high"
    assert verdict.status is VerdictStatus.FAIL


def test_the_same_docs_file_without_the_include_is_judged_as_documentation(
    tmp_path: Path, db: Path
) -> None:
    root = _write(
        tmp_path / "app",
        {"requirements.txt": "six==1.16.0\n", "docs/requirements.txt": "pyyaml==5.3\n"},
    )
    verdict = _check(root, db)
    (finding,) = _advisories(verdict)
    assert "policy_path" not in finding.properties
    assert "included_from" not in finding.properties
    assert not finding.blocking
    assert finding.suppressed_by == "below-threshold"
    assert finding.decided_by == "paths[test-code].fail-on=critical"
    assert verdict.status is VerdictStatus.PASS


def test_a_production_file_included_from_docs_stays_production(tmp_path: Path, db: Path) -> None:
    root = _write(
        tmp_path / "app",
        {"requirements.txt": "pyyaml==5.3\n", "docs/requirements.txt": "-r ../requirements.txt\n"},
    )
    verdict = _check(root, db)
    (finding,) = _advisories(verdict)
    assert finding.path == "requirements.txt"
    assert "policy_path" not in finding.properties  # judged by its own path, the strictest
    assert finding.blocking
    assert verdict.status is VerdictStatus.FAIL


def test_the_include_chain_is_recorded_and_the_top_level_file_judges(
    tmp_path: Path, db: Path
) -> None:
    root = _write(
        tmp_path / "app",
        {
            "requirements.txt": "-r docs/requirements.txt\n",
            "docs/requirements.txt": "sphinx==7.0.0\n-r pins.in\n",
            "docs/pins.in": "# only reached through includes\npyyaml==5.3\n",
        },
    )
    verdict = _check(root, db)
    (finding,) = _advisories(verdict)
    assert (finding.path, finding.line) == ("docs/pins.in", 2)
    assert finding.properties["policy_path"] == "requirements.txt"
    assert finding.properties["included_from"] == "requirements.txt > docs/requirements.txt"
    assert finding.blocking


def test_a_stricter_path_policy_on_the_included_file_wins(tmp_path: Path, db: Path) -> None:
    """The strictest judgement among the manifests that install it, whichever it is."""
    root = _write(
        tmp_path / "app",
        {
            "secgate.toml": '[[paths]]\nid = "vendored"\npaths = ["vendor/**"]\n'
            'fail-on = "medium"\n',
            "requirements.txt": "-r vendor/requirements.txt\n",
            "vendor/requirements.txt": "jinja2==2.10\n",
        },
    )
    verdict = _check(root, db)
    (finding,) = _advisories(verdict, "PYSEC-2099-2")
    assert finding.severity is Severity.MEDIUM
    # requirements.txt would judge it at fail-on=high (below); its own file at medium.
    assert "policy_path" not in finding.properties
    assert finding.blocking
    assert finding.decided_by == "paths[vendored].fail-on=medium"


def test_a_constraint_of_the_including_tree_is_not_lost_to_the_included_file_alone(
    tmp_path: Path, db: Path
) -> None:
    """``pip install -r requirements.txt`` installs the constrained pyyaml 5.3."""
    root = _write(
        tmp_path / "app",
        {
            "requirements.txt": "-c constraints.txt\n-r docs/requirements.txt\n",
            "constraints.txt": "pyyaml==5.3\n",
            "docs/requirements.txt": "pyyaml>=5\n",
        },
    )
    verdict = _check(root, db)
    (finding,) = _advisories(verdict)
    assert (finding.path, finding.line) == ("docs/requirements.txt", 1)
    assert finding.properties["pinned_by"] == "constraints.txt:1"
    assert finding.properties["policy_path"] == "requirements.txt"
    assert finding.blocking
    # docs/requirements.txt installed on its own has no constraint: a range, reported so.
    (unpinned,) = [f for f in verdict.findings if f.rule_id == "unpinned"]
    assert unpinned.path == "docs/requirements.txt"


def test_declarations_record_every_way_they_are_installed(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "app",
        {
            "requirements.txt": "-r docs/requirements.txt\n-r requirements/base.txt\n",
            "requirements/base.txt": "-r ../docs/requirements.txt\n",
            "docs/requirements.txt": "pyyaml==5.3\n",
        },
    )
    found = read_manifests(
        root, ["docs/requirements.txt", "requirements.txt", "requirements/base.txt"]
    )
    (decl,) = found.declarations
    assert set(decl.chains) == {
        (),
        ("requirements.txt",),
        ("requirements.txt", "requirements/base.txt"),
        ("requirements/base.txt",),
    }
    assert {top for top, _ in decl.entry_points()} == {
        "docs/requirements.txt",
        "requirements.txt",
        "requirements/base.txt",
    }


# --------------------------------------------------------------------------- lock files

PYPROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
    "pyyaml=={pin}",
]
"""

# What `uv lock` writes for that project (the pin as locked before someone edited it).
UV_LOCK = """\
version = 1
revision = 2
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "pyyaml" }},
]

[package.metadata]
requires-dist = [{{ name = "pyyaml", specifier = "=={locked}" }}]

[[package]]
name = "pyyaml"
version = "{locked}"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://files.pythonhosted.org/packages/cd/e5/PyYAML-{locked}.tar.gz", \
hash = "sha256:{digest}", size = 125201, upload-time = "2023-07-18T00:00:00Z" }}
"""


def _uv_project(root: Path, *, pin: str, locked: str, **more: str) -> Path:
    return _write(
        root,
        {
            "pyproject.toml": PYPROJECT.format(pin=pin),
            "uv.lock": UV_LOCK.format(locked=locked, digest="0" * 64),
            **more,
        },
    )


def _line(root: Path, name: str, needle: str) -> int:
    lines = (root / name).read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip() == needle)


def test_an_exact_pin_the_lock_disagrees_with_is_audited_and_reported(
    tmp_path: Path, db: Path
) -> None:
    root = _uv_project(tmp_path / "app", pin="5.0", locked="6.0.1")
    verdict = _check(root, db)
    pin_line = _line(root, "pyproject.toml", '"pyyaml==5.0",')
    lock_line = _line(root, "uv.lock", 'name = "pyyaml"')

    # pip install . installs 5.0: audited at the pyproject line, not hidden by the lock.
    (advisory,) = _advisories(verdict)
    assert (advisory.path, advisory.line) == ("pyproject.toml", pin_line)
    assert advisory.package is not None and advisory.package.version == "5.0"
    assert advisory.blocking

    (conflict,) = [f for f in verdict.findings if f.rule_id == "lock-conflict"]
    assert (conflict.path, conflict.line) == ("pyproject.toml", pin_line)
    assert conflict.severity is Severity.MEDIUM
    assert f"pyproject.toml:{pin_line}" in conflict.message
    assert f"uv.lock:{lock_line}" in conflict.message
    assert "pyyaml==5.0" in conflict.message and "6.0.1" in conflict.message
    assert "`pip install .` installs 5.0" in conflict.message
    assert conflict.properties["locked_version"] == "6.0.1"
    # The lock's 6.0.1 is audited too (no advisory for it).
    result = verdict.scanner("pip-audit")
    assert (result.details["audited"], result.details["lock_conflicts"]) == (2, 1)
    assert verdict.status is VerdictStatus.FAIL


def test_a_pin_the_lock_agrees_with_is_audited_once_in_the_lock(tmp_path: Path, db: Path) -> None:
    root = _uv_project(tmp_path / "app", pin="5.3", locked="5.3")
    verdict = _check(root, db)
    (advisory,) = _advisories(verdict)
    assert advisory.path == "uv.lock"
    assert not [f for f in verdict.findings if f.rule_id == "lock-conflict"]
    assert verdict.scanner("pip-audit").details["lock_conflicts"] == 0


def test_a_requirements_pin_that_disagrees_with_the_lock_is_a_conflict_too(
    tmp_path: Path, db: Path
) -> None:
    root = _uv_project(
        tmp_path / "app",
        pin="6.0.1",
        locked="6.0.1",
        **{"requirements.txt": "-c constraints.txt\npyyaml\n", "constraints.txt": "pyyaml==5.0\n"},
    )
    verdict = _check(root, db)
    (advisory,) = _advisories(verdict)
    assert (advisory.path, advisory.line) == ("requirements.txt", 2)
    (conflict,) = [f for f in verdict.findings if f.rule_id == "lock-conflict"]
    assert (conflict.path, conflict.line) == ("requirements.txt", 2)
    assert "(pinned by constraints.txt:1)" in conflict.message
    assert "`pip install -r requirements.txt` installs 5.0" in conflict.message


@pytest.mark.parametrize(("pin", "locked"), [("6.0.1", "6.0.1+cpu"), ("6.0", "6.0.0")])
def test_equal_versions_written_differently_agree(
    tmp_path: Path, db: Path, pin: str, locked: str
) -> None:
    root = _uv_project(tmp_path / "app", pin=pin, locked=locked)
    verdict = _check(root, db)
    assert not [f for f in verdict.findings if f.rule_id == "lock-conflict"]


def test_lock_conflict_severity_is_configurable(tmp_path: Path, db: Path) -> None:
    root = _uv_project(tmp_path / "app", pin="6.0", locked="6.0.1")
    options: dict[str, Any] = {"vuln-db": str(db), "lock-conflict-severity": "high"}
    verdict = secgate.check(
        root, scanners=["pip-audit"], overrides={"scanners": {"pip-audit": options}}
    )
    (conflict,) = [f for f in verdict.findings if f.rule_id == "lock-conflict"]
    assert conflict.severity is Severity.HIGH
    assert conflict.blocking


def test_lock_conflict_is_a_listed_rule_with_its_default_severity() -> None:
    scanner = make_plugin_host().scanners()["pip-audit"].cls()
    rules = {rule.id: rule for rule in scanner.rules(PipAuditOptions())}
    assert rules["lock-conflict"].severity is Severity.MEDIUM
