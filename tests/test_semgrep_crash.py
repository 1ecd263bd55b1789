"""A semgrep crash keeps its cause: the exception its traceback ends with, not its head.

semgrep's crash traceback starts with frames of its command-line wrapper; the error used to
be the first few hundred characters of stderr's last 4 kB, frames only. The first test
makes a real semgrep crash (a wrapper that runs the installed semgrep under
``PYTHONWARNINGS=error``: its wrapper's ``importlib.resources.path`` call warns on start);
the others use a script named semgrep that prints a Python traceback or semgrep-core's
``Fatal error`` and exits 2: a real crash cannot be provoked on demand, and a shim pins
the text (and a token in it, which must be redacted).
"""

from __future__ import annotations

import os
import random
import stat
import string
import subprocess
import sys
from pathlib import Path

import pytest

import secgate
from secgate.scanners.semgrep.process import find_binary

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the shims are /bin/sh scripts")

RULE = (
    "rules:\n"
    "  - id: probe\n"
    "    languages: [python]\n"
    "    severity: INFO\n"
    "    message: probe\n"
    "    pattern: secgate_probe_never_matches()\n"
)


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text("x = 1\n", encoding="utf-8")
    (tree / "rules").mkdir()
    (tree / "rules" / "probe.yaml").write_text(RULE, encoding="utf-8")
    (tree / "secgate.toml").write_text(
        'select = ["semgrep"]\ncache = false\n\n[scanners.semgrep]\nrules = ["rules"]\n',
        encoding="utf-8",
    )
    return tree


def _semgrep_error(tree: Path, shim: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SECGATE_SEMGREP", str(shim))
    verdict = secgate.check(tree)
    result = next(r for r in verdict.scanners if r.name == "semgrep")
    assert result.status.value == "error"
    assert verdict.status.value == "error"
    assert result.error is not None
    return result.error


def test_a_real_semgrep_crash_names_the_exception_it_ended_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = find_binary()
    if real is None:  # pragma: no cover - semgrep is installed here
        pytest.fail("semgrep is not installed")
    env_path = os.pathsep.join([str(Path(real).parent), os.environ.get("PATH", "")])
    shim = _script(
        tmp_path / "bin" / "semgrep",
        f'#!/bin/sh\nPYTHONWARNINGS=error PATH="{env_path}" exec "{real}" "$@"\n',
    )
    tree = _tree(tmp_path)
    # What the crash ends with, seen directly: the exception line after the traceback.
    direct = subprocess.run(
        [
            str(shim),
            "scan",
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--config=rules/probe.yaml",
            "--",
            "./app.py",
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert direct.returncode == 2
    assert not direct.stdout.strip()
    assert "Traceback (most recent call last)" in direct.stderr
    last = [line for line in direct.stderr.splitlines() if line and not line[0].isspace()][-1]
    assert "Warning" in last  # the strict-warnings crash
    error = _semgrep_error(tree, shim, monkeypatch)
    assert error.startswith("semgrep exited with code 2 and wrote no JSON: ")
    assert " ".join(last.split())[:200] in error
    assert "raised in " in error


TRACEBACK_FRAMES = "".join(
    f'  File "/opt/venv/lib/python3.11/site-packages/semgrep/layer{n}.py", line {n}, in call\n'
    f"    return layer{n + 1}(*args, **kwargs)\n"
    f"           {'^' * 30}\n"
    for n in range(60)
)


def test_a_traceback_s_last_line_and_frame_make_the_error_and_a_token_in_it_is_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alphabet = string.ascii_uppercase + string.digits
    token = "AKIA" + "".join(random.Random(15).choices(alphabet, k=16))  # noqa: S311 - a fake
    stderr = (
        "Traceback (most recent call last):\n"
        + TRACEBACK_FRAMES
        + '  File "/opt/venv/lib/python3.11/site-packages/semgrep/rule_lang.py", line 412, '
        "in parse\n"
        "    raise InvalidRuleSchemaError(text)\n"
        f"semgrep.error.InvalidRuleSchemaError: rule pack exploded near {token}\n"
    )
    (tmp_path / "stderr.txt").write_text(stderr, encoding="utf-8")
    shim = _script(
        tmp_path / "bin" / "semgrep",
        f'#!/bin/sh\ncat "{tmp_path / "stderr.txt"}" >&2\nexit 2\n',
    )
    assert len(stderr) > 8000  # the old error showed only frames from this text's middle
    error = _semgrep_error(_tree(tmp_path), shim, monkeypatch)
    assert error.startswith(
        "semgrep exited with code 2 and wrote no JSON: "
        "semgrep.error.InvalidRuleSchemaError: rule pack exploded near "
    )
    assert "(raised in semgrep/rule_lang.py, line 412, in parse)" in error
    assert token not in error
    assert "AKIA" in error  # redacted to its shape, not dropped


def test_semgrep_core_fatal_error_line_is_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = _script(
        tmp_path / "bin" / "semgrep",
        "#!/bin/sh\n"
        "echo 'semgrep-core: starting' >&2\n"
        "echo 'Fatal error: exception Stack_overflow' >&2\n"
        "echo 'Raised by primitive operation at Parse_target.parse' >&2\n"
        "exit 2\n",
    )
    error = _semgrep_error(_tree(tmp_path), shim, monkeypatch)
    assert error == (
        "semgrep exited with code 2 and wrote no JSON: Fatal error: exception Stack_overflow"
    )


def test_stderr_without_a_traceback_is_still_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = _script(
        tmp_path / "bin" / "semgrep", "#!/bin/sh\necho 'out of disk space' >&2\nexit 2\n"
    )
    error = _semgrep_error(_tree(tmp_path), shim, monkeypatch)
    assert error == "semgrep exited with code 2 and wrote no JSON: out of disk space"
