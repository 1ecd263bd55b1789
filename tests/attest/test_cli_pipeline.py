"""The gate step signs its verdict; the deploy step, another process, verifies it (issue 18)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from secgate.attest import policy_digest
from secgate.config import Config

SECGATE = [sys.executable, "-m", "secgate.cli"]


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SECGATE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_gate_then_deploy(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    repo.mkdir()
    (repo / "app.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    work = tmp_path / "ci"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "SECGATE_"))}
    assert _run("keygen", "-o", str(work / "gate"), cwd=work, env=env).returncode == 0
    report = work / "report.json"
    gate = _run(
        "check",
        str(repo),
        "--no-cache",
        "--scanner",
        "secrets",
        "--report",
        f"json={report}",
        cwd=work,
        env=env,
    )
    assert gate.returncode == 0, gate.stdout + gate.stderr
    signed = _run(
        "attest",
        str(report),
        "--signing-key",
        str(work / "gate.key"),
        "-o",
        str(work / "att.json"),
        cwd=work,
        env=env,
    )
    assert signed.returncode == 0, signed.stderr
    head = _git(repo, "rev-parse", "HEAD")
    ok = _run(
        "verify-attestation",
        str(work / "att.json"),
        "--key",
        str(work / "gate.pub"),
        "--commit",
        head,
        cwd=work,
        env=env,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "attestation verified" in ok.stdout
    tree = _run(
        "verify-attestation",
        str(work / "att.json"),
        "--key",
        str(work / "gate.pub"),
        "--tree",
        str(repo),
        cwd=work,
        env=env,
    )
    assert tree.returncode == 0, tree.stdout + tree.stderr
    wrong = _run(
        "verify-attestation",
        str(work / "att.json"),
        "--key",
        str(work / "gate.pub"),
        "--commit",
        "f" * 40,
        "--format",
        "json",
        cwd=work,
        env=env,
    )
    assert wrong.returncode == 1
    assert json.loads(wrong.stdout)["reason"] == "subject"
    envelope = json.loads((work / "att.json").read_text())
    envelope["payload"] = base64.b64encode(base64.b64decode(envelope["payload"]) + b" ").decode()
    (work / "bad.json").write_text(json.dumps(envelope))
    bad = _run(
        "verify-attestation",
        str(work / "bad.json"),
        "--key",
        str(work / "gate.pub"),
        cwd=work,
        env=env,
    )
    assert bad.returncode == 1
    assert bad.stdout.startswith("attestation refused: signature")
    (work / "cut.json").write_text((work / "att.json").read_text()[:50])
    cut = _run(
        "verify-attestation",
        str(work / "cut.json"),
        "--key",
        str(work / "gate.pub"),
        cwd=work,
        env=env,
    )
    assert cut.returncode == 2
    assert "not valid JSON" in cut.stderr


def test_key_errors_exit_2_without_key_material(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(
        json.dumps({"tool": "secgate", "verdict": "pass", "root": str(tmp_path)})
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECGATE_")}
    assert _run("keygen", "-o", str(tmp_path / "k"), cwd=tmp_path, env=env).returncode == 0
    for key, expected in (
        (tmp_path / "missing.key", "key file not found"),
        (tmp_path / "k.pub", "public key was given"),
    ):
        done = _run("attest", "r.json", "--signing-key", str(key), cwd=tmp_path, env=env)
        assert done.returncode == 2
        assert expected in done.stderr
        assert "BEGIN" not in done.stderr + done.stdout


def test_check_attest_then_verify_in_another_process(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "SECGATE_"))}
    assert _run("keygen", "-o", str(tmp_path / "g"), cwd=tmp_path, env=env).returncode == 0
    att = tmp_path / "att.json"
    gate = _run(
        "check",
        str(repo),
        "--no-cache",
        "--scanner",
        "secrets",
        "--attest",
        str(att),
        "--signing-key",
        str(tmp_path / "g.key"),
        cwd=tmp_path,
        env=env,
    )
    assert gate.returncode == 0, gate.stdout + gate.stderr
    deploy = _run(
        "verify-attestation",
        str(att),
        "--key",
        str(tmp_path / "g.pub"),
        "--commit",
        _git(repo, "rev-parse", "HEAD"),
        "--tree",
        str(repo),
        cwd=tmp_path,
        env=env,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr


def test_the_deploy_step_names_the_expected_policy_by_its_config_file(tmp_path: Path) -> None:
    """``verify-attestation --policy FILE --stage S``: the digest the gate attests for FILE."""
    repo = tmp_path / "app"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    owner = tmp_path / "owner"
    owner.mkdir()
    policy = owner / "secgate.toml"
    policy.write_text(
        'select = ["secrets"]\nfail-on = "high"\n[stages.release]\nfail-on = "medium"\n'
    )
    looser = owner / "looser.toml"
    looser.write_text('select = ["secrets"]\n[stages.release]\nfail-on = "critical"\n')
    unselected = owner / "all-scanners.toml"  # the same thresholds, every scanner
    unselected.write_text('fail-on = "high"\n[stages.release]\nfail-on = "medium"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "SECGATE_"))}
    assert _run("keygen", "-o", str(tmp_path / "g"), cwd=tmp_path, env=env).returncode == 0
    att, report = tmp_path / "att.json", tmp_path / "report.json"
    gate = _run(
        "check",
        str(repo),
        "--config",
        str(policy),
        "--stage",
        "release",
        "--no-cache",
        "--report",
        f"json={report}",
        "--attest",
        str(att),
        "--signing-key",
        str(tmp_path / "g.key"),
        cwd=tmp_path,
        env=env,
    )
    assert gate.returncode == 0, gate.stdout + gate.stderr

    def verify(*extra: str) -> subprocess.CompletedProcess[str]:
        key = str(tmp_path / "g.pub")
        return _run("verify-attestation", str(att), "--key", key, *extra, cwd=tmp_path, env=env)

    same = verify("--policy", str(policy), "--stage", "release", "--tree", str(repo))
    assert same.returncode == 0, same.stdout + same.stderr
    assert verify("--policy", str(report)).returncode == 0  # the gate's own JSON report
    other_stage = verify("--policy", str(policy))  # the top level: fail-on high, not medium
    assert other_stage.returncode == 1
    assert "attestation refused: policy:" in other_stage.stdout
    looser_run = verify("--policy", str(looser), "--stage", "release")
    assert looser_run.returncode == 1
    assert "attestation refused: policy:" in looser_run.stdout
    # `select` decided which scanners ran: a policy without it is another policy
    assert verify("--policy", str(unselected), "--stage", "release").returncode == 1
    missing = verify("--policy", str(owner / "absent.toml"))
    assert missing.returncode == 2
    assert "absent.toml: config file not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    both = verify("--policy", str(policy), "--policy-digest", "0" * 64)
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr


def test_the_policy_digest_ignores_keys_that_cannot_change_a_verdict() -> None:
    base = Config().effective_dict()
    operational = Config(cache=False, jobs=3, cache_max_mb=9).effective_dict()
    deciding = Config(fail_on="critical").effective_dict()  # type: ignore[arg-type]
    assert policy_digest(operational) == policy_digest(base)
    assert policy_digest(deciding) != policy_digest(base)
