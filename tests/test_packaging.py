"""The wheel: rules and schema inside, entry points declared, usable from a fresh venv."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    [built] = out.glob("secgate_ci-*.whl")
    return built


def test_wheel_ships_rules_schema_and_typing_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = [
        p.relative_to(REPO / "rules").as_posix() for p in (REPO / "rules").rglob("*") if p.is_file()
    ]
    assert rules
    missing = [r for r in rules if f"secgate/_rules/{r}" not in names]
    assert not missing
    assert "secgate/schema/report.schema.json" in names
    assert "secgate/py.typed" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[secgate]" in text and "policy = secgate.policy" in text
    assert "[console_scripts]" in text and "secgate = secgate.cli:console_main" in text
    # -p no:secgate still leaves the ini keys declared (a second pytest11 entry point).
    assert "secgate-ini = secgate.pytest_plugin:INI_KEYS" in text
    assert "evidence = secgate.evidence" in text and "adjust = secgate.adjust" in text


def test_fresh_venv_install_finds_the_bundled_rules(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    purelib = Path(target.stdout.strip())
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(purelib)  # a wheel is a zip laid out for site-packages
    # The dependencies come from this test environment's site-packages; on PYTHONPATH its .pth
    # files (the editable install of the checkout) are not processed, so `secgate` can only be
    # the installed wheel.
    deps = sysconfig.get_paths()["purelib"]
    kinds = sorted(
        p.name
        for p in (REPO / "rules").iterdir()
        if p.is_dir() and any(f.is_file() for f in p.rglob("*"))
    ) or ["."]
    probe = (
        "import secgate, sys; from secgate.plugins import bundled_rules\n"
        f"print(secgate.__file__)\nfor k in {kinds!r}: print(bundled_rules(k))"
    )
    result = subprocess.run(
        [str(python), "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": deps, "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith(str(purelib))
    for line in lines[1:]:
        assert line.startswith(str(purelib / "secgate" / "_rules")), line
