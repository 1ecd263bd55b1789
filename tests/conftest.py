"""Shared fixtures: a third-party plugin installed the way pip installs one, and helpers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from secgate.cli import main
from secgate.testing import add_to_path, install_fake_distribution

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SHARED = REPO.parent / "shared"
PLUGIN_SOURCE = TESTS / "plugins"


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's secgate settings or writes their cache."""
    for name in list(os.environ):
        if name.startswith("SECGATE_"):
            monkeypatch.delenv(name)
    # Tests decide for themselves whether they run under GitHub Actions or GitLab CI:
    # annotations, the job summary and path:line links follow these variables.
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_SHA",
        "CI_PROJECT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("NO_COLOR", "1")


def write_fake_distribution(
    site: Path,
    *,
    name: str = "secgate-fake-plugin",
    version: str = "1.2.3",
    entry_points: Mapping[str, str] | None = None,
) -> Path:
    """Write a ``.dist-info`` folder as ``pip install`` would, with secgate entry points."""
    return install_fake_distribution(
        site, name, version, entry_points or {"fake": "secgate_fake_plugin"}
    )


@pytest.fixture
def fake_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the test plugin distribution (in-process and for child processes)."""
    site = tmp_path / "site-packages"
    write_fake_distribution(site)
    add_to_path(monkeypatch, site, PLUGIN_SOURCE)
    return site


@dataclass
class CliResult:
    """What a secgate command printed and returned."""

    code: int
    out: str
    err: str


def run_cli(*args: str) -> CliResult:
    """Run ``secgate ARGS`` in-process."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_cli_process(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> CliResult:
    """Run ``python -m secgate.cli ARGS`` in a child process (the real console path)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "secgate.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
        check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """An empty project folder."""
    root = tmp_path / "project"
    root.mkdir()
    yield root


def write(root: Path, files: Mapping[str, str]) -> Path:
    """Write *files* (relative path → text) under *root*."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
