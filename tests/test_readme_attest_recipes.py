"""The README's signed-verdict recipes run as written: a gate job signs, a deploy job verifies.

The blocks of "Signed verdicts for the deploy stage" (the shell lines, the GitHub release
workflow, the GitLab gate and deploy jobs) run for real: the shell scripts with bash, with
the virtualenv's `secgate` first on PATH and a stand-in `pip` (nothing is installed from the
network), and the GitHub gate job's secgate step as secgate's own action (tests/test_action.py
runs its steps). The repository is a small clean project in git, with a `deploy.sh` that
records that it ran: the deploy line must run after a verified attestation and never after a
refused one (a failing verdict, a tree changed after the gate).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from secgate.attest.statement import expected_policy_digest
from tests.test_action import _inputs as action_inputs
from tests.test_action import _runner as action_runner
from tests.test_action import steps as action_steps
from tests.test_readme_recipes import (
    BLOCKS,
    Ci,
    _github_blocks,
    _github_ci,
    _gitlab_blocks,
    expand_expressions,
    with_value,
)

SECTION = "Signed verdicts for the deploy stage"
BIN = Path(sys.executable).parent

PYPROJECT = '[project]\nname = "shop"\nversion = "1.0"\n\n[tool.secgate]\nfail-on = "high"\n'
APP = "def total(prices: list[float]) -> float:\n    return sum(prices)\n"
DEPLOY = '#!/bin/sh\necho deployed >> "$DEPLOYED"\n'
#: Blocks at `release` (bandit B103, high): the gate fails and signs FAILED.
INSECURE = "import os\n\n\ndef publish(path):\n    os.chmod(path, 0o777)\n"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A clean project in git, committed on main, with a deploy script."""
    repo = tmp_path / "shop"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (repo / "shop.py").write_text(APP, encoding="utf-8")
    (repo / "deploy.sh").write_text(DEPLOY, encoding="utf-8")
    (repo / "deploy.sh").chmod(0o755)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "the shop")
    return repo


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("attest-recipe-cache")


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    prefix = tmp_path / "keys" / "gate"
    prefix.parent.mkdir()
    done = subprocess.run(
        [str(BIN / "secgate"), "keygen", "-o", str(prefix)], capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return prefix.with_suffix(".key"), prefix.with_suffix(".pub")


def _fake_bin(tmp_path: Path) -> Path:
    """`pip` that installs nothing (the venv's secgate is the one that runs)."""
    fake = tmp_path / "fake-bin"
    fake.mkdir(exist_ok=True)
    pip = fake / "pip"
    pip.write_text('#!/bin/sh\necho "pip $*" >> "$PIP_LOG"\n', encoding="utf-8")
    pip.chmod(0o755)
    return fake


def _env(tmp_path: Path, cache_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "CI_", "SECGATE_", "RUNNER_", "GITLAB_"))
    }
    env.update(
        PATH=os.pathsep.join([str(_fake_bin(tmp_path)), str(BIN), env.get("PATH", "")]),
        PIP_LOG=str(tmp_path / "pip.log"),
        DEPLOYED=str(tmp_path / "deployed.log"),
        SECGATE_CACHE_DIR=str(cache_dir),
        NO_COLOR="1",
    )
    env.update(extra)
    return env


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _deployed(tmp_path: Path) -> bool:
    return (tmp_path / "deployed.log").exists()


def _fresh_checkout(project: Path, where: Path) -> Path:
    """What a deploy job's checkout holds: the committed files, nothing the gate wrote."""
    _git(project.parent, "clone", "-q", str(project), str(where))
    return where


# --- the shell lines ---------------------------------------------------------------------


def _shell_block() -> str:
    (block,) = [b for b in BLOCKS if b.section == SECTION and b.lang == "sh"]
    text: str = block.text
    return text


def test_shell_recipe_signs_and_verifies_and_refuses_a_changed_tree(
    project: Path, tmp_path: Path, cache_dir: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = _env(tmp_path, cache_dir, HOME=str(home))
    done = _bash(_shell_block(), project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "attestation verified" in done.stdout
    lines = [line for line in _shell_block().splitlines() if line.startswith("secgate")]
    assert [line.split()[1] for line in lines] == ["keygen", "check", "verify-attestation"]
    # The key pair is written outside the tree (a private key in it would be a finding).
    assert not list(project.glob("*.key"))
    (project / "shop.py").write_text(APP + "# changed after the gate\n", encoding="utf-8")
    again = _bash(lines[-1], project, env)
    assert again.returncode == 1
    assert "attestation refused: subject:" in again.stdout


# --- GitHub Actions ----------------------------------------------------------------------


def _release_workflow() -> dict[str, Any]:
    (workflow,) = [d for b, d in _github_blocks() if b.section == SECTION]
    return workflow


def _github_gate(
    workflow: dict[str, Any], project: Path, tmp_path: Path, cache_dir: Path, key: Path
) -> tuple[str, Path]:
    """Run the gate job's secgate step (the action); return its verdict and the artifact."""
    gate = workflow["jobs"]["gate"]
    runner_temp = tmp_path / "gate-temp"
    runner_temp.mkdir()
    ci = _github_ci(runner_temp, "push")
    ci.expressions["secrets.SECGATE_SIGNING_KEY"] = key.read_text(encoding="utf-8")
    (step,) = [s for s in gate["steps"] if s.get("uses", "").startswith("secgate-ci/secgate@")]
    given = {k: with_value(str(v), ci) for k, v in step["with"].items()}
    (tmp_path / "gate").mkdir()
    runner = action_runner(tmp_path / "gate", project, action_inputs(**given))
    runner.env.update({k: expand_expressions(str(v), ci) for k, v in step["env"].items()})
    runner.env["SECGATE_CACHE_DIR"] = str(cache_dir)
    runner.env["RUNNER_TEMP"] = str(runner_temp)
    for action_step in action_steps():
        if "uses" not in action_step:
            runner.run(action_step)
    (upload,) = [s for s in gate["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["if"] == "always()"  # a failing gate's FAILED verdict is uploaded too
    artifact = Path(expand_expressions(upload["with"]["path"], ci))
    assert artifact.is_file(), runner.outputs
    return runner.outputs["check"]["verdict"], artifact


def _github_deploy(
    workflow: dict[str, Any],
    checkout: Path,
    *,
    artifact: Path,
    tmp_path: Path,
    cache_dir: Path,
    public: Path,
    policy_digest: str,
) -> list[subprocess.CompletedProcess[str]]:
    """Run the deploy job's run steps in order, stopping at the first that fails."""
    deploy = workflow["jobs"]["deploy"]
    runner_temp = tmp_path / "deploy-temp"
    runner_temp.mkdir()
    ci: Ci = _github_ci(runner_temp, "push")
    ci.expressions.update(
        {
            "vars.SECGATE_PUBLIC_KEY": public.read_text(encoding="utf-8"),
            "vars.SECGATE_POLICY_DIGEST": policy_digest,
            "github.sha": _git(checkout, "rev-parse", "HEAD"),
        }
    )
    (download,) = [s for s in deploy["steps"] if "download-artifact" in s.get("uses", "")]
    assert download["with"]["name"] == "secgate-verdict"
    into = Path(expand_expressions(download["with"]["path"], ci))
    into.mkdir(parents=True)
    shutil.copy(artifact, into / artifact.name)
    ran = []
    for step in deploy["steps"]:
        if "run" not in step:
            continue
        assert "${{" not in step["run"], step  # values reach the shell through env: only
        env = _env(tmp_path, cache_dir, **ci.env, GITHUB_WORKSPACE=str(checkout))
        env.update({k: expand_expressions(str(v), ci) for k, v in (step.get("env") or {}).items()})
        done = _bash(step["run"], checkout, env)
        ran.append(done)
        if done.returncode != 0:
            break
    return ran


def test_github_release_workflow_deploys_what_the_gate_passed(
    project: Path, tmp_path: Path, cache_dir: Path, keys: tuple[Path, Path]
) -> None:
    workflow = _release_workflow()
    assert workflow["jobs"]["deploy"]["needs"] == "gate"
    assert [s.get("name") for s in workflow["jobs"]["deploy"]["steps"]][-1] == "Deploy"
    verdict, artifact = _github_gate(workflow, project, tmp_path, cache_dir, keys[0])
    assert verdict == "pass"
    digest = expected_policy_digest(project / "pyproject.toml", "release")
    checkout = _fresh_checkout(project, tmp_path / "deploy-checkout")
    ran = _github_deploy(
        workflow,
        checkout,
        artifact=artifact,
        tmp_path=tmp_path,
        cache_dir=cache_dir,
        public=keys[1],
        policy_digest=digest,
    )
    assert [r.returncode for r in ran] == [0, 0], [r.stdout + r.stderr for r in ran]
    assert "attestation verified" in ran[0].stdout
    assert _deployed(tmp_path)
    assert "secgate-ci @ git+https://github.com/secgate-ci/secgate@" in (
        tmp_path / "pip.log"
    ).read_text(encoding="utf-8")


def test_github_release_workflow_refuses_a_failed_gate_and_another_policy(
    project: Path, tmp_path: Path, cache_dir: Path, keys: tuple[Path, Path]
) -> None:
    workflow = _release_workflow()
    (project / "publish.py").write_text(INSECURE, encoding="utf-8")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "publish")
    verdict, artifact = _github_gate(workflow, project, tmp_path, cache_dir, keys[0])
    assert verdict == "fail"
    digest = expected_policy_digest(project / "pyproject.toml", "release")
    checkout = _fresh_checkout(project, tmp_path / "deploy-checkout")
    ran = _github_deploy(
        workflow,
        checkout,
        artifact=artifact,
        tmp_path=tmp_path,
        cache_dir=cache_dir,
        public=keys[1],
        policy_digest=digest,
    )
    assert [r.returncode for r in ran] == [1]
    assert "attestation refused: verdict: the attested verification result is FAILED" in (
        ran[0].stdout
    )
    assert not _deployed(tmp_path)
    # The policy the deploy side approved is not the one that ran: refused as well.
    other = expected_policy_digest(project / "pyproject.toml", None)
    assert other != digest
    (tmp_path / "deploy-temp").rename(tmp_path / "deploy-temp-1")
    ran = _github_deploy(
        workflow,
        checkout,
        artifact=artifact,
        tmp_path=tmp_path,
        cache_dir=cache_dir,
        public=keys[1],
        policy_digest=other,
    )
    assert [r.returncode for r in ran] == [1]
    assert "attestation refused:" in ran[0].stdout


# --- GitLab CI ---------------------------------------------------------------------------


def _gitlab_jobs() -> dict[str, Any]:
    (jobs,) = [d for b, d in _gitlab_blocks() if b.section == SECTION]
    return jobs


def test_gitlab_deploy_job_verifies_the_gate_jobs_artifact(
    project: Path, tmp_path: Path, cache_dir: Path, keys: tuple[Path, Path]
) -> None:
    jobs = _gitlab_jobs()
    gate, deploy = jobs["secgate-gate"], jobs["deploy"]
    assert deploy["needs"] == ["secgate-gate"]
    assert gate["artifacts"]["when"] == "always"
    private, public = keys
    gitlab = {"GITLAB_CI": "true", "CI": "true", "CI_DEFAULT_BRANCH": "main"}
    # A file variable: GitLab puts its value in a file and the variable holds the path.
    env = _env(tmp_path, cache_dir, **gitlab, SECGATE_SIGNING_KEY=str(private))
    done = _bash("\n".join(gate["script"]), project, env)
    assert done.returncode == 0, done.stdout + done.stderr
    checkout = _fresh_checkout(project, tmp_path / "deploy-checkout")
    for name in gate["artifacts"]["paths"]:  # the artifacts land in the deploy job's tree
        shutil.copy(project / name, checkout / name)
    deploy_env = _env(
        tmp_path,
        cache_dir,
        **gitlab,
        CI_COMMIT_SHA=_git(checkout, "rev-parse", "HEAD"),
        SECGATE_PUBLIC_KEY=str(public),
        SECGATE_POLICY_DIGEST=expected_policy_digest(project / "pyproject.toml", "release"),
    )
    done = _bash("\n".join(deploy["script"]), checkout, deploy_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "attestation verified" in done.stdout
    assert deploy["script"][-1] == "./deploy.sh" and _deployed(tmp_path)
    # Another commit's attestation (the gate ran on an older one) is refused before deploying.
    (tmp_path / "deployed.log").unlink()
    (checkout / "shop.py").write_text(APP + "\n# next\n", encoding="utf-8")
    _git(checkout, "commit", "-qam", "next")
    deploy_env["CI_COMMIT_SHA"] = _git(checkout, "rev-parse", "HEAD")
    refused = _bash("\n".join(deploy["script"]), checkout, deploy_env)
    assert refused.returncode == 1
    assert "attestation refused: subject:" in refused.stdout
    assert not _deployed(tmp_path)
