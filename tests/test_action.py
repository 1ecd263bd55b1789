"""``action.yml``: the composite action's ``run:`` steps, run here with a simulated GitHub.

Each ``run:`` script runs under ``bash --noprofile --norc -eo pipefail`` (what a runner uses
for ``shell: bash``) with the variables a runner sets (``GITHUB_ACTIONS``,
``GITHUB_ACTION_PATH``, ``GITHUB_WORKSPACE``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``,
``RUNNER_TEMP``) and the step's ``env:`` mapping, its ``${{ inputs.* }}`` and
``${{ steps.*.outputs.* }}`` filled from the test's inputs and the earlier steps'
``$GITHUB_OUTPUT``. ``uses:`` steps are not run (they are GitHub's own actions) but must be
pinned to a full commit SHA. The install step runs with a stand-in ``python`` that records
its arguments (a real ``pip install`` would build and fetch the world); the scan itself is
the real ``secgate`` of this virtualenv on a git copy of ``examples/insecure-app``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from secgate.reports.markdown import MARKER
from tests.test_annotations import assert_well_formed, commands_in

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
EXAMPLE = REPO / "examples" / "insecure-app"
VENV_BIN = Path(sys.executable).parent
#: The pins the README's workflow uses: the action must use the very same ones.
README_PINS = ("actions/setup-python", "github/codeql-action/upload-sarif")

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_SHA_PIN = re.compile(r"[\w./-]+@[0-9a-f]{40}")

#: A stand-in python: records argv as a JSON line in $FAKE_PYTHON_LOG.
_FAKE_PYTHON = """\
import json, os, sys
with open(os.environ["FAKE_PYTHON_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
"""


def load_action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    found: list[dict[str, Any]] = action["runs"]["steps"]
    return found


def _step(step_id: str) -> dict[str, Any]:
    return next(s for s in steps() if s.get("id") == step_id)


@dataclass
class Runner:
    """A simulated runner for the action's steps: the environment, inputs, step outputs."""

    env: dict[str, str]
    inputs: dict[str, str]
    temp: Path
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def expression(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            parts = name.split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                return self.inputs[parts[1]]
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                return self.outputs.get(parts[1], {}).get(parts[3], "")
            pytest.fail(f"action.yml: a run step's env uses ${{{{ {name} }}}}, unknown here")

        return _EXPR.sub(one, text)

    def run(self, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        assert step.get("shell") == "bash", step  # a composite action's run step needs one
        output = self.temp / f"output-{len(self.outputs)}"
        output.write_text("", encoding="utf-8")
        env = {**self.env, "GITHUB_OUTPUT": str(output)}
        for name, value in (step.get("env") or {}).items():
            env[name] = self.expression(str(value))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            env=env,
            cwd=env["GITHUB_WORKSPACE"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        values = {}
        for line in output.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            assert sep, f"not a name=value line in $GITHUB_OUTPUT: {line!r}"
            values[key] = value
        self.outputs[step.get("id") or f"step-{len(self.outputs)}"] = values
        return proc


def _inputs(**given: str) -> dict[str, str]:
    declared = load_action()["inputs"]
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    unknown = set(given) - set(values)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    return {**values, **given}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git copy of examples/insecure-app, as actions/checkout leaves it."""
    work = tmp_path_factory.mktemp("workspace") / "insecure-app"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__"))
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "the app")
    return work


def _runner(tmp_path: Path, workspace: Path, inputs: dict[str, str]) -> Runner:
    temp = tmp_path / "runner temp"  # a space: every path must be quoted
    temp.mkdir()
    bindir = tmp_path / "fake-bin"
    bindir.mkdir()
    fake = bindir / "python"
    fake.write_text(f"#!{sys.executable}\n{_FAKE_PYTHON}", encoding="utf-8")
    fake.chmod(0o755)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GITHUB_", "SECGATE_", "RUNNER_", "INPUT_"))
    }
    env.update(
        PATH=os.pathsep.join([str(bindir), str(VENV_BIN), env.get("PATH", "")]),
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(REPO),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_STEP_SUMMARY=str(temp / "step-summary.md"),
        RUNNER_TEMP=str(temp),
        FAKE_PYTHON_LOG=str(tmp_path / "python.log"),
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
    )
    return Runner(env=env, inputs=inputs, temp=temp)


# --- the whole action -------------------------------------------------------------------


@pytest.fixture(scope="module")
def whole_run(
    tmp_path_factory: pytest.TempPathFactory, workspace: Path
) -> tuple[Runner, dict[str, subprocess.CompletedProcess[str]]]:
    """Every run: step of the action, in order, on insecure-app (one real scan)."""
    tmp_path = tmp_path_factory.mktemp("action-run")
    runner = _runner(tmp_path, workspace, _inputs(sarif="secgate.sarif", stage="pr"))
    ran = {}
    for step in steps():
        if "uses" in step:
            continue
        ran[step.get("id") or step["name"]] = runner.run(step)
    return runner, ran


def test_the_action_scans_annotates_writes_sarif_and_summary_and_fails(
    whole_run: tuple[Runner, dict[str, subprocess.CompletedProcess[str]]],
) -> None:
    runner, ran = whole_run
    check = ran["check"]
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr  # the step records
    assert runner.outputs["check"]["exit-code"] == "1"
    assert runner.outputs["check"]["verdict"] == "fail"
    # annotations on stdout, every one well formed, a file of the workspace on each error
    lines = commands_in(check.stdout)
    parsed = assert_well_formed(lines)
    errors = [props for kind, props, _ in parsed if kind == "error"]
    assert errors and all(props.get("file") for props in errors)
    workspace = Path(runner.env["GITHUB_WORKSPACE"])
    assert all((workspace / props["file"]).is_file() for props in errors)
    # the SARIF report, outside the checkout, named in the step's output
    sarif = runner.temp / "secgate.sarif"
    assert runner.outputs["check"]["sarif"] == str(sarif)
    report = json.loads(sarif.read_text(encoding="utf-8"))
    assert report["runs"] and any(run["results"] for run in report["runs"])
    # the job summary: the Markdown report
    summary = Path(runner.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert summary.startswith(MARKER) and "## secgate: FAIL" in summary
    assert "stage `pr`" in summary
    # the last step turns the verdict into the action's result: exit 1
    (last,) = [p for name, p in ran.items() if name == "The verdict"]
    assert last.returncode == 1 and "secgate: fail" in last.stdout


def test_the_install_step_installs_the_actions_own_checkout(
    whole_run: tuple[Runner, dict[str, subprocess.CompletedProcess[str]]],
) -> None:
    runner, ran = whole_run
    assert ran["install"].returncode == 0, ran["install"].stderr
    calls = [
        json.loads(line)
        for line in Path(runner.env["FAKE_PYTHON_LOG"]).read_text(encoding="utf-8").splitlines()
    ]
    assert calls == [
        ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", f"{REPO}[all]"]
    ]
    from secgate import __version__  # noqa: PLC0415

    assert runner.outputs["install"]["version"] == __version__
    # the cache folder is outside the checkout, and the scan used it
    cache = Path(runner.outputs["install"]["cache-dir"])
    assert cache == runner.temp / "secgate-cache"
    assert cache.is_dir() and any(cache.rglob("*"))


def test_an_owner_cache_dir_is_kept(tmp_path: Path, workspace: Path) -> None:
    runner = _runner(tmp_path, workspace, _inputs())
    runner.env["SECGATE_CACHE_DIR"] = str(tmp_path / "owner cache")
    assert runner.run(_step("install")).returncode == 0
    assert runner.outputs["install"]["cache-dir"] == str(tmp_path / "owner cache")


# --- inputs reach secgate as words, never as code ---------------------------------------

#: A stand-in secgate: records argv and exits with $FAKE_SECGATE_EXIT.
_FAKE_SECGATE = """\
import json, os, sys
with open(os.environ["FAKE_SECGATE_LOG"], "w", encoding="utf-8") as log:
    json.dump(sys.argv[1:], log)
sys.exit(int(os.environ.get("FAKE_SECGATE_EXIT", "0")))
"""


def _fake_secgate(tmp_path: Path, runner: Runner, exit_code: int) -> Path:
    bindir = tmp_path / "fake-secgate"
    bindir.mkdir()
    fake = bindir / "secgate"
    fake.write_text(f"#!{sys.executable}\n{_FAKE_SECGATE}", encoding="utf-8")
    fake.chmod(0o755)
    runner.env["PATH"] = f"{bindir}{os.pathsep}{runner.env['PATH']}"
    runner.env["FAKE_SECGATE_LOG"] = str(tmp_path / "argv.json")
    runner.env["FAKE_SECGATE_EXIT"] = str(exit_code)
    return tmp_path / "argv.json"


def test_inputs_are_split_into_words_without_expansion(tmp_path: Path, workspace: Path) -> None:
    hostile = {
        "paths": "src  'two words'\n-x $(touch pwned) `touch pwned2` *",
        "args": '--report json=out.json ";" $HOME ${PATH} >redirect',
        "stage": "pr; touch pwned3",
        "fail-on": "$(touch pwned4)",
        "new-since": "origin/main",
        "sarif": "/abs/path/x.sarif",
    }
    runner = _runner(tmp_path, workspace, _inputs(**hostile))
    log = _fake_secgate(tmp_path, runner, 2)
    proc = runner.run(_step("check"))
    assert proc.returncode == 0, proc.stderr
    argv = json.loads(log.read_text(encoding="utf-8"))
    assert argv == [
        "check",
        "--stage",
        "pr; touch pwned3",
        "--fail-on",
        "$(touch pwned4)",
        "--new-since",
        "origin/main",
        "--report",
        "sarif=/abs/path/x.sarif",
        "--report",
        "json=out.json",
        '";"',
        "$HOME",
        "${PATH}",
        ">redirect",
        "--",
        "src",
        "'two",
        "words'",
        "-x",
        "$(touch",
        "pwned)",
        "`touch",
        "pwned2`",
        "*",
    ]
    for name in ("pwned", "pwned2", "pwned3", "pwned4", "redirect"):
        assert not (workspace / name).exists()
    assert runner.outputs["check"] == {"exit-code": "2", "verdict": "error"}  # no SARIF file


def test_empty_inputs_scan_the_workspace(tmp_path: Path, workspace: Path) -> None:
    runner = _runner(tmp_path, workspace, _inputs(paths="", sarif="report.sarif"))
    log = _fake_secgate(tmp_path, runner, 0)
    assert runner.run(_step("check")).returncode == 0
    sarif = runner.temp / "report.sarif"
    assert json.loads(log.read_text(encoding="utf-8")) == [
        "check",
        "--report",
        f"sarif={sarif}",
        "--",
        ".",
    ]
    assert runner.outputs["check"] == {"exit-code": "0", "verdict": "pass"}


@pytest.mark.parametrize(("code", "verdict"), [("0", "pass"), ("1", "fail"), ("2", "error")])
def test_the_last_step_exits_with_secgates_code(
    tmp_path: Path, workspace: Path, code: str, verdict: str
) -> None:
    last = steps()[-1]
    runner = _runner(tmp_path, workspace, _inputs())
    runner.outputs["check"] = {"exit-code": code, "verdict": verdict}
    proc = runner.run(last)
    assert proc.returncode == int(code) and f"secgate: {verdict}" in proc.stdout


def test_the_last_step_fails_when_the_check_never_ran(tmp_path: Path, workspace: Path) -> None:
    proc = _runner(tmp_path, workspace, _inputs()).run(steps()[-1])
    assert proc.returncode == 2


# --- hardening --------------------------------------------------------------------------


def _readme_pins() -> dict[str, str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"uses:\s*([\w./-]+)@([0-9a-f]{40})", text))


def test_every_uses_is_pinned_to_a_full_sha_the_readmes_where_it_has_one() -> None:
    text = ACTION.read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:- )?uses:\s*(\S+)(.*)$", text, re.MULTILINE)
    names = {ref.split("@")[0] for ref, _ in uses}
    assert names == {
        "actions/setup-python",
        "actions/cache/restore",
        "actions/cache/save",
        "github/codeql-action/upload-sarif",
    }
    for ref, comment in uses:
        assert _SHA_PIN.fullmatch(ref), ref
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+\s*", comment), (ref, comment)
    pins = dict(ref.split("@") for ref, _ in uses)
    readme = _readme_pins()
    for name in README_PINS:  # the README's shards block may use them beside the action
        if name in readme:
            assert pins[name] == readme[name], name
    assert pins["actions/cache/restore"] == pins["actions/cache/save"]


def test_no_expression_inside_a_run_script_and_every_script_parses() -> None:
    for step in steps():
        if "run" in step:
            assert "${{" not in step["run"], step
            subprocess.run(["bash", "-n", "-c", step["run"]], check=True)
        for value in (step.get("env") or {}).values():
            assert str(value).startswith("${{") and str(value).endswith("}}"), value


def test_the_sarif_upload_and_cache_steps_read_the_check_steps_outputs() -> None:
    by_uses = {s["uses"].split("@")[0]: s for s in steps() if "uses" in s}
    upload = by_uses["github/codeql-action/upload-sarif"]
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif }}"
    assert "steps.check.outputs.sarif" in upload["if"]
    restore, save = by_uses["actions/cache/restore"], by_uses["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"]
    assert restore["with"]["key"] == save["with"]["key"]
    assert "always()" in save["if"]
    names = [s.get("id") or s.get("uses", "").split("@")[0] for s in steps()]
    assert names.index("actions/cache/restore") < names.index("check")
    assert names.index("check") < names.index("actions/cache/save")


def test_zizmor_finds_nothing_in_the_action(tmp_path: Path) -> None:
    zizmor = shutil.which("zizmor", path=str(VENV_BIN)) or shutil.which("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -e '.[test]')")
    folder = tmp_path / "action"
    folder.mkdir()
    shutil.copy(ACTION, folder / "action.yml")
    proc = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--persona", "pedantic", str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "action.yml" in proc.stderr + proc.stdout  # it did read the action


def _env_of(step: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (step.get("env") or {}).items()}


def test_every_input_reaches_the_check_step() -> None:
    env = _env_of(_step("check"))
    used = {m.group(1) for v in env.values() for m in re.finditer(r"inputs\.([\w-]+)", v)}
    assert used == set(load_action()["inputs"]) - {"python-version"}
