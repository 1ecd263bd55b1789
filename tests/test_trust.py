"""The scanned tree's own config may not run programs, escape the root or pick the cache.

Each test plays the attacker: a pull request that commits a ``secgate.toml`` of its own.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import zlib
from pathlib import Path

import pytest

import secgate
from secgate.cache import CACHE_FILE, KEY_FILE
from secgate.errors import ConfigError
from tests.conftest import run_cli, write
from tests.deps.helpers import isolate_cache, osv_record, write_records

VULNERABLE = "import os\nos.system(input())\n"


def _evil_program(tree: Path, marker: Path) -> Path:
    """A committed executable that would leave *marker* behind if anything ran it."""
    program = tree / "tools" / "semgrep"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text(f"#!/bin/sh\ntouch '{marker}'\necho '{{\"results\": [], \"errors\": []}}'\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[scanners.semgrep]\nbinary = "tools/semgrep"\n', "scanners.semgrep.binary"),
        ("[scanners.semgrep]\nregistry = true\n", "scanners.semgrep.registry"),
        (
            '[stages.pr.scanners.semgrep]\nbinary = "tools/semgrep"\n',
            "stages.pr.scanners.semgrep.binary",
        ),
    ],
)
def test_tree_config_naming_a_program_is_an_error_and_nothing_runs(
    project: Path, tmp_path: Path, table: str, key: str
) -> None:
    marker = tmp_path / "ran"
    _evil_program(project, marker)
    write(project, {"secgate.toml": table, "app.py": VULNERABLE})
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        secgate.check(project, scanners=["semgrep"], stage="pr" if "stages" in key else None)
    result = run_cli("check", str(project), "--scanner", "semgrep")
    assert result.code == 2
    assert key in result.err
    assert "Traceback" not in result.err
    assert not marker.exists()


def test_pyproject_table_names_the_full_key(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    _evil_program(project, marker)
    write(
        project,
        {"pyproject.toml": '[tool.secgate.scanners.semgrep]\nbinary = "tools/semgrep"\n'},
    )
    result = run_cli("check", str(project))
    assert result.code == 2
    assert "tool.secgate.scanners.semgrep.binary" in result.err
    assert not marker.exists()


def test_the_owner_may_name_the_program_with_policy_or_config(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    program = _evil_program(tmp_path / "owner", marker)
    write(project, {"app.py": VULNERABLE})
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[scanners.semgrep]\nbinary = "{program}"\n')
    secgate.check(project, scanners=["semgrep"], policy=policy)
    assert marker.exists()
    marker.unlink()
    monkeypatch.setenv("SECGATE_CONFIG", str(policy))
    secgate.check(project, scanners=["semgrep"])
    assert marker.exists()


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('baseline = "../victim/important.conf"\n', "baseline"),
        ('baseline = "/etc/important.conf"\n', "baseline"),
        ('[scanners.secrets]\nrules = ["~/.ssh/rules.toml"]\n', "scanners.secrets.rules"),
        ('[scanners.semgrep]\nrules = ["../outside-rules"]\n', "scanners.semgrep.rules"),
        ('[scanners.pip-audit]\nvuln-db = "../db"\n', "scanners.pip-audit.vuln-db"),
        ('[stages.release]\nbaseline = "../x.json"\n', "stages.release.baseline"),
    ],
)
def test_tree_config_paths_outside_the_root_are_errors(project: Path, table: str, key: str) -> None:
    write(project, {"secgate.toml": table, "app.py": VULNERABLE})
    result = run_cli("check", str(project), "--scanner", "secrets")
    assert result.code == 2
    assert key in result.err
    assert "outside" in result.err or "absolute" in result.err


def test_a_committed_symlink_cannot_carry_a_path_outside(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "victim"
    outside.mkdir()
    (project / "link").symlink_to(outside)
    write(project, {"secgate.toml": 'baseline = "link/important.conf"\n', "app.py": "x = 1\n"})
    result = run_cli("baseline", str(project), "--scanner", "secrets")
    assert result.code == 2
    assert "baseline" in result.err
    assert list(outside.iterdir()) == []


def test_secgate_baseline_does_not_overwrite_a_file_outside_the_tree(
    project: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim" / "important.conf"
    victim.parent.mkdir()
    victim.write_text("keep me\n")
    write(
        project,
        {"secgate.toml": 'baseline = "../victim/important.conf"\n', "app.py": VULNERABLE},
    )
    result = run_cli("baseline", str(project), "--scanner", "secrets")
    assert result.code == 2
    assert victim.read_text() == "keep me\n"


def test_tree_cache_dir_is_ignored_with_a_warning(project: Path, tmp_path: Path) -> None:
    write(project, {"secgate.toml": 'cache-dir = ".sgc"\n', "app.py": VULNERABLE})
    verdict = secgate.check(project, scanners=["bandit"])
    assert not (project / ".sgc").exists()
    assert any("cache-dir" in w and "ignored" in w for w in verdict.warnings)
    assert verdict.status is secgate.VerdictStatus.FAIL


def test_a_committed_cache_in_the_tree_is_neither_read_nor_written(
    project: Path, tmp_path: Path
) -> None:
    # The attacker commits a cache of their own (made elsewhere, for the same file) and
    # points the tree's config at it.
    write(tmp_path / "attacker", {"app.py": VULNERABLE})
    secgate.check(
        tmp_path / "attacker", scanners=["bandit"], overrides={"cache_dir": str(project / ".sgc")}
    )
    write(project, {"app.py": VULNERABLE})
    committed = {p: p.read_bytes() for p in (project / ".sgc").rglob("*") if p.is_file()}
    assert committed
    (project / "secgate.toml").write_text('cache-dir = ".sgc"\n')
    verdict = secgate.check(project, scanners=["bandit"])
    assert verdict.status is secgate.VerdictStatus.FAIL
    assert verdict.scanner("bandit").details.get("cache_hits", 0) == 0
    after = {p: p.read_bytes() for p in (project / ".sgc").rglob("*") if p.is_file()}
    assert after == committed
    default_cache = Path(os.environ["XDG_CACHE_HOME"]) / "secgate"
    assert any(default_cache.rglob("*.sqlite3"))


def test_env_vuln_db_wins_over_the_trees_own(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_cache(tmp_path, monkeypatch)
    real = write_records(
        tmp_path / "real-db",
        osv_record("PYSEC-0001", "django", events=[{"introduced": "0"}, {"fixed": "3.0"}]),
    )
    write_records(project / "osv", osv_record("DUMMY-1", "nothing-here", versions=["1.0"]))
    write(
        project,
        {
            "secgate.toml": '[scanners.pip-audit]\nvuln-db = "osv"\n',
            "requirements.txt": "django==2.2.0\n",
        },
    )
    monkeypatch.setenv("SECGATE_VULN_DB", str(real))
    verdict = secgate.check(project, scanners=["pip-audit"])
    assert any("PYSEC-0001" in (f.rule_id + f.message) for f in verdict.findings)
    assert any("vuln-db" in w and "SECGATE_VULN_DB" in w for w in verdict.warnings)
    monkeypatch.delenv("SECGATE_VULN_DB")
    verdict = secgate.check(project, scanners=["pip-audit"])
    assert not any("PYSEC-0001" in (f.rule_id + f.message) for f in verdict.findings)


def test_owner_policy_keys_win_over_the_repository(project: Path, tmp_path: Path) -> None:
    write(project, {"secgate.toml": 'fail-on = "critical"\n', "app.py": VULNERABLE})
    assert secgate.check(project, scanners=["bandit"]).status is secgate.VerdictStatus.PASS
    policy = tmp_path / "policy.toml"
    policy.write_text('fail-on = "high"\n')
    verdict = secgate.check(project, scanners=["bandit"], policy=policy)
    assert verdict.status is secgate.VerdictStatus.FAIL
    result = run_cli("check", str(project), "--scanner", "bandit", "--policy", str(policy))
    assert result.code == 1


def test_policy_from_the_environment(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"secgate.toml": 'fail-on = "critical"\n', "app.py": VULNERABLE})
    policy = tmp_path / "policy.toml"
    policy.write_text('fail-on = "high"\n')
    monkeypatch.setenv("SECGATE_POLICY", str(policy))
    assert run_cli("check", str(project), "--scanner", "bandit").code == 1


@pytest.mark.parametrize(
    ("tree_config", "key"),
    [
        ('fail-on = "critical"\n', "fail-on"),
        ('[stages.pr]\nfail-on = "critical"\n', "stages.pr.fail-on"),
        ('extend-exclude = ["**"]\n', "extend-exclude"),
        ("[scanners.semgrep]\nbundled-rules = false\n", "scanners.semgrep.bundled-rules"),
    ],
)
def test_locked_keys_may_not_be_set_by_the_repository(
    project: Path, tmp_path: Path, tree_config: str, key: str
) -> None:
    write(project, {"secgate.toml": tree_config, "app.py": VULNERABLE})
    policy = tmp_path / "policy.toml"
    policy.write_text('locked = ["fail-on", "extend-exclude", "scanners.semgrep.bundled-rules"]\n')
    result = run_cli("check", str(project), "--scanner", "bandit", "--policy", str(policy))
    assert result.code == 2
    assert f"{key}: locked by the owner's policy" in result.err
    assert "Traceback" not in result.err


def test_policy_stage_applies_without_a_tree_stage(project: Path, tmp_path: Path) -> None:
    write(project, {"app.py": VULNERABLE})
    policy = tmp_path / "policy.toml"
    policy.write_text('[stages.pr]\nfail-on = "critical"\n')
    verdict = secgate.check(project, scanners=["bandit"], stage="pr", policy=policy)
    assert verdict.status is secgate.VerdictStatus.PASS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('locked = ["fail-onn"]\n', "locked: unknown key 'fail-onn'"),
        ('fail-on = "hihg"\n', "fail-on"),
        ('locked = "fail-on"\n', "locked: expected a list"),
    ],
)
def test_bad_policy_file_is_one_line_error(
    project: Path, tmp_path: Path, text: str, message: str
) -> None:
    write(project, {"app.py": "x = 1\n"})
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    result = run_cli("check", str(project), "--policy", str(policy))
    assert result.code == 2
    assert message in result.err
    assert str(policy) in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_missing_policy_file_is_an_error(project: Path, tmp_path: Path) -> None:
    result = run_cli("check", str(project), "--policy", str(tmp_path / "nope.toml"))
    assert result.code == 2
    assert "policy file not found" in result.err


def test_policy_paths_resolve_against_the_policy_folder(project: Path, tmp_path: Path) -> None:
    owner = tmp_path / "owner"
    owner.mkdir()
    (owner / "policy.toml").write_text('cache-dir = "cache"\n')
    write(project, {"app.py": "x = 1\n"})
    cwd = Path.cwd()
    try:
        os.chdir(project)
        secgate.check(project, scanners=["bandit"], policy=owner / "policy.toml")
    finally:
        os.chdir(cwd)
    assert (owner / "cache").is_dir()


def test_a_cache_inside_the_scanned_root_is_refused(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app.py": VULNERABLE})
    monkeypatch.setenv("SECGATE_CACHE_DIR", str(project / "cache"))
    result = run_cli("check", str(project), "--scanner", "bandit")
    assert result.code == 2
    assert "inside the scanned root" in result.err
    assert run_cli("check", str(project), "--scanner", "bandit", "--no-cache").code == 1


def test_a_tampered_cache_row_is_a_miss(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    write(project, {"app.py": VULNERABLE})
    first = secgate.check(project, scanners=["bandit"], overrides={"cache_dir": str(cache)})
    assert first.status is secgate.VerdictStatus.FAIL
    assert (cache / KEY_FILE).stat().st_mode & 0o777 == 0o600
    db = sqlite3.connect(cache / CACHE_FILE)
    rows = db.execute("SELECT key, value FROM results").fetchall()
    assert rows
    empty = zlib.compress(b'{"f":[],"s":null}')
    with db:
        for key, value in rows:
            # Keep the old tag, swap the payload for "no findings".
            db.execute("UPDATE results SET value = ? WHERE key = ?", (value[:32] + empty, key))
    db.close()
    again = secgate.check(project, scanners=["bandit"], overrides={"cache_dir": str(cache)})
    assert again.status is secgate.VerdictStatus.FAIL
    assert again.scanner("bandit").details.get("cache_hits", 0) == 0
    # An untouched cache is still answered from.
    third = secgate.check(project, scanners=["bandit"], overrides={"cache_dir": str(cache)})
    assert third.scanner("bandit").details.get("cache_hits", 0) >= 1


def test_a_default_cache_folder_inside_the_root_is_not_used(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scanning a home folder: the default cache lives inside the tree, which could ship it.
    monkeypatch.delenv("SECGATE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / ".cache"))
    write(project, {"app.py": VULNERABLE})
    verdict = secgate.check(project, scanners=["bandit"])
    assert verdict.status is secgate.VerdictStatus.FAIL
    assert any("result cache not used" in w for w in verdict.warnings)
    assert not (project / ".cache" / "secgate").exists()


@pytest.mark.parametrize("option", ["--report", "--output"])
def test_reports_are_not_written_through_a_symlink_in_the_tree(
    project: Path, tmp_path: Path, option: str
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "secgate.sarif").write_text("the victim's own file\n")
    write(project, {"app.py": "x = 1\n"})
    (project / "out").symlink_to(victim)
    target = project / "out" / "secgate.sarif"
    args = ["--report", f"sarif={target}"] if option == "--report" else ["--output", str(target)]
    result = run_cli("check", str(project), "--scanner", "secrets", *args)
    assert result.code == 2
    assert "symbolic link inside the scanned tree" in result.err
    assert [p.name for p in victim.iterdir()] == ["secgate.sarif"]
    assert (victim / "secgate.sarif").read_text() == "the victim's own file\n"
    outside = tmp_path / "reports" / "secgate.sarif"
    result = run_cli("check", str(project), "--scanner", "secrets", "--report", f"sarif={outside}")
    assert result.code == 0
    assert outside.is_file()


def test_a_config_error_replaces_a_committed_report_with_an_error_report(
    project: Path, tmp_path: Path
) -> None:
    # The pull request commits "## secgate: PASS" where the CI recipe posts the report from.
    stale = project / "secgate.md"
    stale.write_text("## secgate: PASS\n")
    write(project, {"secgate.toml": 'fail-on = "hihg"\n', "app.py": VULNERABLE})
    sarif = tmp_path / "out" / "secgate.sarif"
    result = run_cli(
        "check", str(project), "--report", f"markdown={stale}", "--report", f"sarif={sarif}"
    )
    assert result.code == 2
    assert "PASS" not in stale.read_text()
    assert "## secgate: ERROR" in stale.read_text()
    assert "fail-on" in stale.read_text()
    assert sarif.is_file()


def test_a_stale_report_is_removed_before_the_run(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "secgate.json"
    report.write_text('{"status": "pass"}')
    write(project, {"app.py": VULNERABLE})
    result = run_cli("check", str(project), "--scanner", "bandit", "--report", f"json={report}")
    assert result.code == 1
    assert '"fail"' in report.read_text()


def test_an_error_line_cannot_forge_a_ci_command(project: Path) -> None:
    name = "x\n::error title=forged::All checks passed\nVerdict: PASS\n"
    result = run_cli("check", str(project / name))
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert "\\n::error" in lines[0]


def _waiver(expires: object) -> str:
    return (
        f'[[waivers]]\nid = "w1"\nrule = "B605"\nreason = "tracked in ops"\nexpires = {expires}\n'
    )


def test_owner_caps_how_far_out_a_repository_waiver_may_expire(
    project: Path, tmp_path: Path
) -> None:
    from datetime import date, timedelta  # noqa: PLC0415

    far = date.today() + timedelta(days=400)
    near = date.today() + timedelta(days=30)
    policy = tmp_path / "policy.toml"
    policy.write_text("max-waiver-days = 90\n")
    write(project, {"secgate.toml": _waiver(far.isoformat()), "app.py": VULNERABLE})
    result = run_cli("check", str(project), "--scanner", "bandit", "--policy", str(policy))
    assert result.code == 2
    assert f"waiver w1 expires on {far}, more than max-waiver-days = 90" in result.err
    assert "Traceback" not in result.err
    # Without the cap the same waiver is in force (and the policy summary flags it).
    free = secgate.check(project, scanners=["bandit"])
    assert free.status is secgate.VerdictStatus.PASS
    assert any("expiring more than a year out: w1" in line for line in free.policy_summary)
    # Within the cap it applies.
    write(project, {"secgate.toml": _waiver(near.isoformat())})
    capped = secgate.check(project, scanners=["bandit"], policy=policy)
    assert capped.status is secgate.VerdictStatus.PASS


def test_a_bad_max_waiver_days_is_one_line_error(project: Path, tmp_path: Path) -> None:
    write(project, {"app.py": VULNERABLE})
    policy = tmp_path / "policy.toml"
    policy.write_text('max-waiver-days = "soon"\n')
    result = run_cli("check", str(project), "--scanner", "bandit", "--policy", str(policy))
    assert result.code == 2
    assert "max-waiver-days: expected a whole number of days" in result.err


def test_run_warnings_are_redacted(project: Path) -> None:
    """A warning that quotes tree text (a waiver id cannot; a scanner note can) is redacted."""
    import hashlib  # noqa: PLC0415

    from secgate.config import Config  # noqa: PLC0415
    from secgate.engine import judge  # noqa: PLC0415
    from secgate.plugins import make_plugin_host  # noqa: PLC0415

    token = "ghp_" + hashlib.sha256(b"not a real token").hexdigest()[:36]
    verdict = judge(
        host=make_plugin_host(),
        findings=[],
        results=[],
        root=project,
        config=Config(),
        stage=None,
        config_file=None,
        options={},
        warnings=[f"note: could not parse {token}"],
    )
    assert verdict.warnings
    assert token not in " ".join(verdict.warnings)
