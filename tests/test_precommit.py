"""The pre-commit hooks, run by the real ``pre-commit try-repo`` on throwaway git repositories.

try-repo installs this project into a fresh virtualenv with pip (from the package index), so
the tests that run it are ``slow`` and ``network`` and skip when that install cannot
download. They test the working tree as it is, uncommitted and untracked files included: the
tracked and untracked (not ignored) files are copied into a snapshot repository that try-repo
installs. The hooks' command lines are also run in-process, without pre-commit.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from secgate.cli import build_parser
from secgate.errors import UsageError
from secgate.plugins import make_plugin_host
from tests.conftest import REPO, run_cli, write

GIT_ENV = {
    "GIT_AUTHOR_NAME": "secgate tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "secgate tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}
#: What pip says when the package index cannot be reached (then the test skips).
OFFLINE_SIGNS = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "No matching distribution found",
    "Could not find a version that satisfies",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
)


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout


def snapshot_working_tree(dest: Path) -> Path:
    """A git repository holding this checkout's working tree as it is now, in one commit."""
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file() and not source.is_symlink():  # deleted files are still listed
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-verify", "-m", "snapshot of the working tree under test")
    return dest


@dataclass
class Hooks:
    """This project as a hook repository, and a pre-commit home shared by the tests."""

    repo: Path
    home: Path


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    base = tmp_path_factory.mktemp("precommit")
    # One PRE_COMMIT_HOME for the module: the hook environment is built once, in tmp.
    yield Hooks(repo=snapshot_working_tree(base / "secgate-src"), home=base / "home")


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    root = tmp_path / "user-repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


@dataclass
class Run:
    code: int
    output: str


def try_repo(
    hooks: Hooks,
    cwd: Path,
    hook_id: str,
    *options: str,
    env: Mapping[str, str] | None = None,
) -> Run:
    """``pre-commit try-repo`` on the staged files of *cwd* (or as *options* say, e.g.
    ``--all-files``); skip if pip cannot download."""
    full_env = {**os.environ, **GIT_ENV, **(env or {}), "PRE_COMMIT_HOME": str(hooks.home)}
    full_env.pop("PRE_COMMIT_COLOR", None)
    command = ["try-repo", str(hooks.repo), hook_id, "--verbose", *options]
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *command],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = proc.stdout + proc.stderr
    if proc.returncode not in (0, 1):
        log = hooks.home / "pre-commit.log"
        details = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "pip" in details and any(sign in details for sign in OFFLINE_SIGNS):
            pytest.skip("pre-commit could not install secgate: the package index is unreachable")
        pytest.fail(f"pre-commit try-repo failed (exit {proc.returncode}):\n{output}\n{details}")
    return Run(proc.returncode, output)


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.network
def test_secgate_hook_runs_the_full_gate_and_blocks_the_commit(
    hooks: Hooks, user_repo: Path, fake_plugin: Path
) -> None:
    """The `secgate` hook is `secgate check` in the hook's own virtualenv.

    That virtualenv has only what try-repo installed; the test scanner reaches it the way a
    plugin installed next to the hook would: on PYTHONPATH (set by the fake_plugin fixture
    and inherited through pre-commit by the hook).
    """
    write(
        user_repo,
        {
            "secgate.toml": 'select = ["fake-marker"]\n',
            "app.py": "import os\nos.system(cmd)  # FAKE-ISSUE(high)\n",
        },
    )
    git(user_repo, "add", "-A")
    failed = try_repo(hooks, user_repo, "secgate")
    assert failed.code == 1, failed.output
    assert "secgate security gate" in failed.output and "Failed" in failed.output
    assert "app.py:2  high  FAKE001  marker of severity high" in failed.output
    assert "Verdict: FAIL" in failed.output

    write(user_repo, {"app.py": "import os\nos.system(cmd)  # FAKE-ISSUE(low)\n"})
    git(user_repo, "add", "-A")
    passed = try_repo(hooks, user_repo, "secgate")
    assert passed.code == 0, passed.output
    assert "Verdict: PASS" in passed.output


def _secrets_scanner_ready() -> bool:
    try:
        build_parser().parse_args(["check", "--staged"])
    except UsageError:
        return False
    return "secrets" in make_plugin_host().scanners()


def _fake_fine_grained_token() -> str:
    """Shaped like a GitHub fine-grained token, made here: the repository holds none."""
    rng = random.Random(20250314)  # noqa: S311 - a test value, not a secret
    alphabet = string.ascii_letters + string.digits
    return (
        "github_pat_"
        + "".join(rng.choice(alphabet) for _ in range(22))
        + "_"
        + "".join(rng.choice(alphabet) for _ in range(59))
    )


needs_secrets = pytest.mark.skipif(
    not _secrets_scanner_ready(),
    reason="the secrets scanner and `secgate check --staged` are not on this branch yet",
)


@pytest.mark.slow
@pytest.mark.network
@needs_secrets
def test_secgate_secrets_hook_blocks_a_staged_secret_without_printing_it(
    hooks: Hooks, user_repo: Path
) -> None:
    token = _fake_fine_grained_token()
    write(user_repo, {"README.md": "# demo\n"})
    git(user_repo, "add", "-A")
    clean = try_repo(hooks, user_repo, "secgate-secrets")
    assert clean.code == 0, clean.output

    write(user_repo, {"settings.py": f'GITHUB_TOKEN = "{token}"\n'})
    git(user_repo, "add", "settings.py")
    leaked = try_repo(hooks, user_repo, "secgate-secrets")
    assert leaked.code == 1, leaked.output
    assert "settings.py:1" in leaked.output
    assert token not in leaked.output and token[15:40] not in leaked.output
    # The blocked commit says how to allow a false positive.
    assert "A false positive? Add a comment holding `secgate: allow`" in leaked.output


@pytest.mark.slow
@pytest.mark.network
@needs_secrets
def test_secgate_secrets_hook_scans_every_file_with_all_files(
    hooks: Hooks, user_repo: Path
) -> None:
    """`pre-commit run --all-files` (and pre-commit.ci) pass every file: a committed secret
    blocks although nothing is staged; `secgate: allow` on its line lets it through."""
    token = _fake_fine_grained_token()
    write(user_repo, {"README.md": "# demo\n", "settings.py": f'GITHUB_TOKEN = "{token}"\n'})
    git(user_repo, "add", "-A")
    git(user_repo, "commit", "-q", "--no-verify", "-m", "a secret slipped in")

    nothing_staged = try_repo(hooks, user_repo, "secgate-secrets")
    assert nothing_staged.code == 0, nothing_staged.output  # no file to check: skipped

    every_file = try_repo(hooks, user_repo, "secgate-secrets", "--all-files")
    assert every_file.code == 1, every_file.output
    assert "settings.py:1" in every_file.output
    assert token not in every_file.output
    assert "`secgate: allow`" in every_file.output

    write(user_repo, {"settings.py": f'GITHUB_TOKEN = "{token}"  # test value, secgate: allow\n'})
    git(user_repo, "commit", "-q", "--no-verify", "-am", "allow the test value")
    allowed = try_repo(hooks, user_repo, "secgate-secrets", "--all-files")
    assert allowed.code == 0, allowed.output


@needs_secrets
def test_staged_with_file_names_scans_them_and_without_names_the_index(
    user_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secrets hook's command line, in-process: what each way of calling it reads."""
    token = _fake_fine_grained_token()
    write(user_repo, {"settings.py": f'GITHUB_TOKEN = "{token}"\n', "app.py": "x = 1\n"})
    git(user_repo, "add", "-A")
    git(user_repo, "commit", "-q", "--no-verify", "-m", "a secret slipped in")
    monkeypatch.chdir(user_repo)
    hook = ("check", "--scanner", "secrets", "--staged", "--no-cache")

    index_only = run_cli(*hook)  # nothing staged: nothing to find
    assert index_only.code == 0, index_only.out + index_only.err

    named = run_cli(*hook, "app.py", "settings.py")  # what --all-files passes
    assert named.code == 1, named.out + named.err
    assert "settings.py:1" in named.out and token not in named.out
    assert "A false positive? Add a comment holding `secgate: allow`" in named.out
    assert "`# pragma: allowlist nextline secret`" in named.out
    assert run_cli(*hook, "app.py").code == 0  # only the files named

    write(user_repo, {"new.py": f'TOKEN = "{token}"\n'})
    git(user_repo, "add", "new.py")
    staged = run_cli(*hook)  # without names: the index, where the new file is
    assert staged.code == 1 and "new.py:1" in staged.out

    as_json = run_cli(*hook, "settings.py", "--format", "json")  # a report: no hint in it
    assert as_json.code == 1
    assert json.loads(as_json.out)["status"] == "fail"
