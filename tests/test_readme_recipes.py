"""The README's CI recipes run as written: their `secgate` lines, for real, in a git repository.

Every fenced ```yaml block of README.md that is a CI file (the GitHub workflow, the GitLab
job, the shards examples) and the Jenkins ```groovy block is read; each `secgate ...` line
(and the `git` lines they need) is pulled out, the CI variables it uses are given realistic
values (a GitHub pull request on `main`, a GitLab merge-request pipeline targeting `main`),
and the line runs with the virtualenv's `secgate` against a copy of `examples/insecure-app`
made into a git repository: `main` with the app, `origin` a bare clone, and a feature branch
whose commit adds one insecure line. An unknown option or stage exits 2 and fails here; every
report a recipe names must exist and parse, and `--new-since` must leave only the new finding
blocking. The pre-commit config block has its own tests (tests/test_precommit.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from secgate.reports.markdown import MARKER
from tests.test_action import _inputs as action_inputs
from tests.test_action import _runner as action_runner
from tests.test_action import steps as action_steps

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
EXAMPLE = REPO / "examples" / "insecure-app"
BIN = Path(sys.executable).parent
SECGATE = BIN / "secgate"

#: The one insecure line the feature branch adds (bandit B103, high): the only new finding.
NEW_FILE = "insecure_app/export.py"
NEW_CODE = "import os\n\n\ndef publish(path):\n    os.chmod(path, 0o777)\n"


def _load_ci_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "readme_workflows", REPO / ".ci" / "readme_workflows.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


rw = _load_ci_module()
BLOCKS = rw.fenced_blocks(README.read_text(encoding="utf-8"))


def _ci_yaml_blocks() -> list[tuple[Any, Any]]:
    """(block, document) for every yaml block but the pre-commit config."""
    found = []
    for block in BLOCKS:
        if block.lang != "yaml":
            continue
        data = rw.load_yaml(block)
        if isinstance(data, dict) and "repos" in data:  # .pre-commit-config.yaml
            continue
        found.append((block, data))
    return found


def _github_blocks() -> list[tuple[Any, dict[str, Any]]]:
    return [(b, d) for b, d in _ci_yaml_blocks() if isinstance(d, dict) and "jobs" in d]


def _gitlab_blocks() -> list[tuple[Any, dict[str, Any]]]:
    return [
        (b, d)
        for b, d in _ci_yaml_blocks()
        if isinstance(d, dict)
        and "jobs" not in d
        and any(isinstance(job, dict) and "script" in job for job in d.values())
    ]


def _section(name: str) -> list[Any]:
    return [b for b in BLOCKS if b.section == name]


# --- the repository the recipes run in -------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """insecure-app in git: `main`, `origin/main` (a bare clone), a feature commit on top."""
    base = tmp_path_factory.mktemp("recipe-repo")
    work = base / "work"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__"))
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "the app")
    _git(base, "clone", "-q", "--bare", str(work), str(base / "origin.git"))
    _git(work, "remote", "add", "origin", str(base / "origin.git"))
    _git(work, "fetch", "-q", "origin")
    _git(work, "checkout", "-q", "-b", "feature")
    (work / NEW_FILE).write_text(NEW_CODE, encoding="utf-8")
    _git(work, "add", NEW_FILE)
    _git(work, "commit", "-q", "-m", "export: publish a file")
    return work


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scan cache for the module: every recipe scans the same tree."""
    return tmp_path_factory.mktemp("recipe-cache")


@pytest.fixture
def checkout(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the repository for one recipe (reports land in it)."""
    target = tmp_path / "checkout"
    shutil.copytree(template, target, symlinks=True)
    return target


# --- pulling the command lines out -----------------------------------------------------


@dataclass
class Command:
    """One command line of a recipe, after the CI's variables were expanded."""

    argv: list[str]
    tolerated: bool  #: followed by `|| true`: its exit code does not fail the job
    source: str  #: the line as the README writes it


@dataclass
class Ci:
    """What a CI platform provides: expression contexts and environment variables."""

    expressions: dict[str, str] = field(default_factory=dict)  #: `${{ name }}` values
    env: dict[str, str] = field(default_factory=dict)


_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_VAR = re.compile(r"\$\{(\w+)(?::\+((?:[^{}]|\{[^{}]*\})*))?\}|\$(\w+)")


def expand_expressions(text: str, ci: Ci) -> str:
    """GitHub's `${{ name }}`; an expression the test does not know fails it."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ci.expressions:
            pytest.fail(f"README: unknown GitHub expression ${{{{ {name} }}}} in {text!r}")
        return ci.expressions[name]

    return _EXPR.sub(one, text)


def expand_vars(text: str, env: Mapping[str, str]) -> str:
    """The shell's `$NAME`, `${NAME}` and `${NAME:+word}` (what the recipes use)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        value = env.get(name, "")
        if match.group(2) is not None:  # ${NAME:+word}
            return expand_vars(match.group(2), env) if value else ""
        return value

    return _VAR.sub(one, text)


def _logical_lines(script: str) -> Iterator[str]:
    """The script's lines: backslash continuations and multi-line quotes joined, no comments."""
    pending = ""
    for raw in script.replace("\\\n", " ").splitlines():
        line = f"{pending}\n{raw}" if pending else raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            shlex.split(line)
        except ValueError:  # a quote still open: the command goes on on the next line
            pending = line
            continue
        pending = ""
        yield line
    assert not pending, f"a quote is never closed in {script!r}"


def commands(script: str, env: Mapping[str, str], *, cwd: Path) -> list[Command]:
    """The `secgate` and `git` commands of a shell *script*, expanded, as argument lists."""
    found: list[Command] = []
    for line in _logical_lines(script):
        lexer = shlex.shlex(expand_vars(line, env), posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        parts: list[tuple[list[str], str]] = [([], "")]
        for token in tokens:
            if token in {"&&", "||", ";", "|"}:
                parts.append(([], token))
            else:
                parts[-1][0].append(token)
        for index, (argv, _) in enumerate(parts):
            while argv and argv[0] in {"then", "else", "do"}:
                argv.pop(0)
            if not argv or Path(argv[0]).name not in {"secgate", "git"}:
                continue
            after = parts[index + 1][1] if index + 1 < len(parts) else ""
            tolerated = after == "||" and parts[index + 1][0] == ["true"]
            flat = [item for arg in argv for item in _glob(arg, cwd)]
            if Path(flat[0]).name == "secgate":
                flat[0] = str(SECGATE)
            found.append(Command(flat, tolerated, line))
    return found


def _glob(arg: str, cwd: Path) -> list[str]:
    if "*" not in arg:
        return [arg]
    base = Path(arg) if Path(arg).is_absolute() else cwd / arg
    matches = sorted(str(p) for p in Path(base.anchor).glob(str(base.relative_to(base.anchor))))
    return matches or [arg]  # like the shell: an unmatched glob stays as written


# --- running them and checking what they wrote -----------------------------------------


@dataclass
class Run:
    command: Command
    code: int
    out: str
    err: str


def run(command: Command, cwd: Path, env: Mapping[str, str], cache: Path) -> Run:
    full = {**os.environ, **env, "SECGATE_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    proc = subprocess.run(
        command.argv, cwd=cwd, env=full, capture_output=True, text=True, timeout=300, check=False
    )
    return Run(command, proc.returncode, proc.stdout, proc.stderr)


def reports(argv: list[str], cwd: Path) -> dict[str, Path]:
    """format -> file, for every report a secgate command line names."""
    named: dict[str, Path] = {}
    main_format, output = "text", None
    for index, arg in enumerate(argv):
        value = argv[index + 1] if index + 1 < len(argv) else ""
        if arg == "--report":
            fmt, _, path = value.partition("=")
            named[fmt] = cwd / path
        elif arg in {"--format", "-f"}:
            main_format = value
        elif arg in {"--output", "-o"}:
            output = value
    if output is not None:
        named[main_format] = cwd / output
    return named


GITLAB_NOT_CODE = frozenset({"gitlab-secret-detection", "gitlab-dependency-scanning"})
GITLAB_SECURITY = GITLAB_NOT_CODE | {"gitlab-sast"}


def blocking_paths(fmt: str, path: Path) -> list[str]:
    """Parse a report (it must parse) and return the files of its blocking findings."""
    assert path.is_file(), f"the recipe's {fmt} report {path} was not written"
    text = path.read_text(encoding="utf-8")
    if fmt == "sarif":
        sarif = json.loads(text)
        assert sarif["version"] == "2.1.0" and sarif["runs"]
        return [
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for sarif_run in sarif["runs"]
            for res in sarif_run["results"]
            if res["level"] == "error"
        ]
    if fmt == "json":
        data = json.loads(text)
        return [f["path"] for f in data["findings"] if f["blocking"]]
    if fmt == "junit":
        root = ET.fromstring(text)  # noqa: S314 - secgate's own report, written just now
        cases = root.iter("testcase")
        return [
            case.get("file", "")
            for case in cases
            if case.find("failure") is not None and case.get("file")
        ]
    if fmt in GITLAB_SECURITY:
        report = json.loads(text)
        assert report["version"] and report["scan"]["status"] == "success", fmt
        return [
            vuln["location"]["file"]
            for vuln in report["vulnerabilities"]
            if vuln["details"]["secgate_blocking"]["value"]
        ]
    if fmt == "gitlab-codequality":
        return [
            issue["location"]["path"]
            for issue in json.loads(text)
            if issue["description"].startswith("[blocking] ")
        ]
    if fmt == "markdown":
        assert text.startswith(MARKER), "the markdown report lacks the comment marker"
        assert "## secgate: FAIL" in text
        return []
    pytest.fail(f"a recipe writes a report format this test does not know: {fmt}")


def check_run(result: Run, cwd: Path, *, expect_new_only: bool) -> None:
    """The exit code the recipe expects, the reports, and what `--new-since` did."""
    argv = result.command.argv
    detail = f"{result.command.source}\nexit {result.code}\n{result.out[-2000:]}{result.err}"
    if argv[1] == "merge" or not result.command.tolerated:
        assert result.code == 1, f"expected FAIL (1) for insecure-app: {detail}"
    else:  # a shard: it may pass or fail, the merge is the gate
        assert result.code in {0, 1}, detail
    assert ("--new-since" in argv) == expect_new_only, detail
    for fmt, path in reports(argv, cwd).items():
        paths = blocking_paths(fmt, path)
        if fmt == "markdown":
            text = path.read_text(encoding="utf-8")
            assert ("new findings since `origin/main` block" in text) == expect_new_only
            one_blocking = re.search(r"(?<![\d,])1 blocking", text) is not None
            assert one_blocking == expect_new_only, text[:1500]
            assert (NEW_FILE in text) or not expect_new_only, text[:3000]
            continue
        if fmt in GITLAB_NOT_CODE:
            # The new finding is code: these reports hold only old secrets and advisories,
            # none of them blocking under --new-since.
            listed = json.loads(path.read_text(encoding="utf-8"))["vulnerabilities"]
            assert NEW_FILE not in {v["location"].get("file") for v in listed}, fmt
            assert not paths or not expect_new_only, (fmt, paths)
            continue
        if expect_new_only:
            assert paths and set(paths) == {NEW_FILE}, (fmt, paths)
        elif argv[1] != "check" or "--shard" not in argv:
            assert len(set(paths)) > 1, (fmt, paths)  # old findings block too
    if expect_new_only:
        assert "blocking new finding" in result.out + result.err, detail


# --- GitHub Actions --------------------------------------------------------------------


def _github_ci(runner_temp: Path, event: str) -> Ci:
    pull_request = event == "pull_request"
    return Ci(
        expressions={
            "github.base_ref": "main" if pull_request else "",
            "github.event.pull_request.number": "7" if pull_request else "",
            "github.event_name": event,
            "github.token": "token-not-used",
            "github.repository": "secgate-ci/example",
            "github.ref": "refs/pull/7/merge" if pull_request else "refs/heads/main",
            "runner.temp": str(runner_temp),
        },
        env={
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_EVENT_NAME": event,
            "RUNNER_TEMP": str(runner_temp),
        },
    )


def _step_commands(step: dict[str, Any], ci: Ci, cwd: Path) -> list[Command]:
    env = dict(ci.env)
    for name, value in (step.get("env") or {}).items():
        env[name] = expand_expressions(str(value), ci)
    return commands(expand_expressions(step["run"], ci), env, cwd=cwd)


def _main_workflow() -> tuple[Any, dict[str, Any]]:
    whole, _ = rw.github_workflows(BLOCKS)
    whole = [b for b in whole if b.section == "CI pipelines"]
    assert len(whole) == 1, "expected one whole GitHub workflow in the README's CI pipelines"
    block = whole[0]
    return block, rw.load_yaml(block)


_FORMAT_OR_EMPTY = re.compile(r"([\w.]+) && format\('([^']*)', ([\w.]+)\) \|\| ''")


def with_value(text: str, ci: Ci) -> str:
    """A step's ``with:`` value: plain names, and the one ``a && format(...) || ''`` form."""

    def one(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        ternary = _FORMAT_OR_EMPTY.fullmatch(expression)
        if ternary:
            test, fmt, arg = ternary.groups()
            value = ci.expressions[arg]
            return fmt.replace("{0}", value) if ci.expressions[test] else ""
        assert expression in ci.expressions, f"unknown expression in a with: {expression}"
        return ci.expressions[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def _secgate_step(job: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith("secgate-ci/secgate@")]
    return step


@pytest.mark.parametrize("event", ["pull_request", "push"])
def test_github_workflow_secgate_step_runs_as_written(
    event: str, checkout: Path, tmp_path: Path, cache_dir: Path
) -> None:
    """The workflow's secgate step is the action: its steps run with the workflow's inputs."""
    _, workflow = _main_workflow()
    (job,) = workflow["jobs"].values()
    assert not [s for s in job["steps"] if "secgate " in s.get("run", "")]  # the action runs it
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    ci = _github_ci(runner_temp, event)
    given = {k: with_value(str(v), ci) for k, v in _secgate_step(job)["with"].items()}
    runner = action_runner(tmp_path, checkout, action_inputs(**given))
    runner.env["SECGATE_CACHE_DIR"] = str(cache_dir)
    for name, value in ci.env.items():
        runner.env.setdefault(name, value)
    runner.env["RUNNER_TEMP"] = str(runner_temp)
    ran = {}
    for step in action_steps():
        if "uses" not in step:
            ran[step.get("id") or step["name"]] = runner.run(step)
    check = ran["check"]
    detail = check.stdout[-2000:] + check.stderr
    outputs = runner.outputs["check"]
    assert outputs["exit-code"] == "1" and outputs["verdict"] == "fail", detail
    # the reports go outside the checkout, where the upload and the comment step read them
    sarif = Path(outputs["sarif"])
    assert sarif == runner_temp / "secgate.sarif"
    markdown = runner_temp / "secgate.md"
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith(MARKER)
    paths = blocking_paths("sarif", sarif)
    if event == "pull_request":
        assert set(paths) == {NEW_FILE}, paths
        assert "new findings since `origin/main` block" in text
        assert "blocking new finding" in check.stdout + check.stderr, detail
    else:
        assert len(set(paths)) > 1, paths  # old findings block too
        assert "new findings since" not in text
    assert ran["The verdict"].returncode == 1


def test_github_workflow_is_hardened() -> None:
    """What zizmor checks, spelled out: pins, permissions, credentials, no injection."""
    block, workflow = _main_workflow()
    (job,) = workflow["jobs"].values()
    permissions: dict[str, str] = job.get("permissions") or workflow["permissions"]
    assert permissions["actions"] == "read"  # upload-sarif on a private repository
    assert permissions["security-events"] == "write"
    assert permissions["contents"] == "read"
    uses = re.findall(r"uses:\s*(\S+)(.*)", block.text)
    assert {u.split("@")[0] for u, _ in uses} == {"actions/checkout", "secgate-ci/secgate"}
    for ref, comment in uses:
        assert re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", ref), ref
        if ref.startswith("secgate-ci/secgate@"):  # no release yet: the branch and the day
            assert re.fullmatch(r"\s*# main, \d{4}-\d\d-\d\d\s*", comment), comment
            sha = ref.split("@")[1]
            if (REPO / ".git").exists():  # the pinned commit exists and has the action
                subprocess.run(["git", "cat-file", "-e", f"{sha}:action.yml"], cwd=REPO, check=True)
        else:
            assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+\s*", comment), (ref, comment)
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False
    assert checkout["with"]["fetch-depth"] == 0
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), step
    summary = next(s for s in job["steps"] if s.get("name") == "Summary")
    script = summary["run"]
    assert "--edit-last" not in script
    assert MARKER in script  # the marker the markdown report starts with
    assert "gh api -X PATCH" in script and "gh api -X POST" in script
    for step in job["steps"]:  # every shell script at least parses
        if "run" in step:
            subprocess.run(["bash", "-n", "-c", step["run"]], check=True)


_FAKE_GH = """\
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ["GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
if "--jq" in args:  # gh api --jq: the filter over the API's answer, raw strings out
    page = open(os.environ["GH_COMMENTS"], encoding="utf-8").read()
    jq = args[args.index("--jq") + 1]
    sys.stdout.write(subprocess.run(["jq", "-r", jq], input=page, text=True,
                                    capture_output=True, check=True).stdout)
else:
    print("{}")
"""


def _run_summary_step(
    tmp_path: Path, comments: list[dict[str, Any]], event: str = "pull_request"
) -> list[list[str]]:
    """The workflow's Summary step under bash -eo pipefail (as GitHub runs it), a fake gh."""
    if shutil.which("jq") is None:
        pytest.skip("needs jq (the fake gh applies the step's --jq filter with it)")
    _, workflow = _main_workflow()
    (job,) = workflow["jobs"].values()
    step = next(s for s in job["steps"] if s.get("name") == "Summary")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    gh = bindir / "gh"
    gh.write_text(f"#!{sys.executable}\n{_FAKE_GH}", encoding="utf-8")
    gh.chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    report = MARKER + "\n## secgate: FAIL\n"
    (runner_temp / "secgate.md").write_text(report, encoding="utf-8")
    (tmp_path / "comments.json").write_text(json.dumps(comments), encoding="utf-8")
    ci = _github_ci(runner_temp, event)
    env = {
        **os.environ,
        **ci.env,
        **{k: expand_expressions(str(v), ci) for k, v in step["env"].items()},
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GH_LOG": str(tmp_path / "gh.log"),
        "GH_COMMENTS": str(tmp_path / "comments.json"),
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # secgate itself wrote the job summary (in the action); the step does not add it twice
    assert not (tmp_path / "summary.md").exists()
    log = tmp_path / "gh.log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines]


def _comment(number: int, login: str, body: str) -> dict[str, Any]:
    return {"id": number, "user": {"login": login}, "body": body}


def test_github_summary_step_updates_the_gates_own_comment(tmp_path: Path) -> None:
    bot = "github-actions[bot]"
    calls = _run_summary_step(
        tmp_path,
        [
            _comment(11, "octocat", "LGTM"),
            _comment(12, "mallory", MARKER + " a user's comment with the marker"),
            _comment(13, bot, "another bot message"),
            _comment(14, bot, MARKER + "\n## secgate: PASS"),
            _comment(15, bot, MARKER + "\n## secgate: FAIL"),
        ],
    )
    assert calls[0][:3] == ["api", "--paginate", "repos/secgate-ci/example/issues/7/comments"]
    assert calls[1][:4] == ["api", "-X", "PATCH", "repos/secgate-ci/example/issues/comments/14"]
    assert calls[1][4:] == ["-F", f"body=@{tmp_path / 'runner-temp' / 'secgate.md'}"]
    assert len(calls) == 2


def test_github_summary_step_posts_a_comment_the_first_time(tmp_path: Path) -> None:
    calls = _run_summary_step(tmp_path, [_comment(11, "octocat", MARKER)])
    assert calls[1][:4] == ["api", "-X", "POST", "repos/secgate-ci/example/issues/7/comments"]
    assert len(calls) == 2


def test_github_summary_step_on_a_push_posts_no_comment(tmp_path: Path) -> None:
    assert _run_summary_step(tmp_path, [], event="push") == []


# --- GitLab CI -------------------------------------------------------------------------


def _gitlab_job() -> dict[str, Any]:
    jobs = [
        job
        for block, data in _gitlab_blocks()
        if block.section == "CI pipelines"
        for job in data.values()
    ]
    assert len(jobs) == 1, "expected one GitLab job in the README's CI pipelines section"
    job: dict[str, Any] = jobs[0]
    return job


def test_gitlab_job_runs_in_merge_request_pipelines() -> None:
    conditions = [rule.get("if", "") for rule in _gitlab_job()["rules"]]
    assert any(
        re.fullmatch(r'\$CI_PIPELINE_SOURCE == "merge_request_event"', c) for c in conditions
    ), conditions
    assert any("$CI_DEFAULT_BRANCH" in c for c in conditions), conditions


def test_gitlab_job_runs_as_written(checkout: Path, cache_dir: Path) -> None:
    job = _gitlab_job()
    # A merge-request pipeline's checkout need not have the target branch: the job fetches it.
    _git(checkout, "update-ref", "-d", "refs/remotes/origin/main")
    env = {
        "GITLAB_CI": "true",
        "CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        **{k: str(v) for k, v in (job.get("variables") or {}).items()},
    }
    ran = []
    for line in [*job["before_script"], *job["script"]]:
        for command in commands(line, env, cwd=checkout):
            result = run(command, checkout, env, cache_dir)
            if Path(command.argv[0]).name == "git":
                assert result.code == 0, (command.source, result.err)
                continue
            check_run(result, checkout, expect_new_only=True)
            ran.append(result)
    assert len(ran) == 1
    artifacts = job["artifacts"]
    assert set(artifacts["reports"]) == {
        "sast",
        "secret_detection",
        "dependency_scanning",
        "codequality",
        "junit",
    }
    for name in [*artifacts["reports"].values(), *artifacts["paths"]]:
        assert (checkout / name).is_file(), name


def test_gitlab_job_keeps_its_cache_outside_the_tree_and_drops_a_shipped_one() -> None:
    job = _gitlab_job()
    cache_dir = job["variables"]["SECGATE_CACHE_DIR"]
    assert cache_dir.startswith("/") and not cache_dir.startswith("/builds")
    assert job["cache"]["paths"] == [".secgate-cache/"]
    assert "$CI_COMMIT_REF_SLUG" in job["cache"]["key"]  # a merge request never fills main's
    restore = " ".join(job["before_script"])
    # A .secgate-cache committed in the tree is removed before the restore step could use it.
    assert restore.index("git ls-files .secgate-cache") < restore.index("mv .secgate-cache")
    assert any('mv "$SECGATE_CACHE_DIR" .secgate-cache' in s for s in job["after_script"])


# --- Jenkins ---------------------------------------------------------------------------


def test_jenkins_pipeline_runs_as_written(checkout: Path, cache_dir: Path) -> None:
    (block,) = [b for b in BLOCKS if b.lang == "groovy"]
    scripts = re.findall(r"""\bsh\s+(?:'([^']*)'|"([^"]*)")""", block.text)
    ran = []
    for single, double in scripts:
        for command in commands(single or double, {}, cwd=checkout):
            if Path(command.argv[0]).name == "secgate":
                check_run(run(command, checkout, {}, cache_dir), checkout, expect_new_only=False)
                ran.append(command)
    assert len(ran) == 1
    for name in re.findall(r"(?:testResults|artifacts): '([^']*)'", block.text):
        for item in name.split(","):
            assert (checkout / item.strip()).is_file(), item


# --- the Python build script -----------------------------------------------------------


def test_python_build_script_gates_as_written(checkout: Path, cache_dir: Path) -> None:
    (block,) = [
        b for b in _section("CI pipelines") if b.lang == "python" and "def security_gate" in b.text
    ]
    script = checkout.parent / "pipeline.py"
    script.write_text(block.text, encoding="utf-8")
    driver = (
        "import runpy, sys\nfrom pathlib import Path\n"
        f"gate = runpy.run_path({str(script)!r})['security_gate']\n"
        "sys.exit(0 if gate(Path('reports')) else 1)\n"
    )
    env = {**os.environ, "SECGATE_CACHE_DIR": str(cache_dir)}
    proc = subprocess.run(
        [sys.executable, "-c", driver],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # security_gate said False
    assert "Verdict: FAIL" in proc.stdout
    assert len(set(blocking_paths("junit", checkout / "reports" / "secgate.xml"))) > 1
    blocking_paths("markdown", checkout / "reports" / "secgate.md")


# --- the shards examples ---------------------------------------------------------------


def test_github_shards_run_as_written(checkout: Path, tmp_path: Path, cache_dir: Path) -> None:
    workflow = next(d for _, d in _github_blocks() if "on" not in d)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    scan, gate = workflow["jobs"]["scan"], workflow["jobs"]["gate"]
    for shard in scan["strategy"]["matrix"]["shard"]:
        ci = _github_ci(runner_temp, "push")
        ci.expressions["matrix.shard"] = str(shard)
        for step in scan["steps"]:
            for command in _step_commands(step, ci, checkout) if "run" in step else []:
                check_run(
                    run(command, checkout, ci.env, cache_dir), checkout, expect_new_only=False
                )
    # upload-artifact, then download-artifact with merge-multiple into $RUNNER_TEMP/shards
    (runner_temp / "shards").mkdir()
    for report in runner_temp.glob("shard-*.json"):
        shutil.move(report, runner_temp / "shards" / report.name)
    ci = _github_ci(runner_temp, "push")
    merged = [
        command
        for step in gate["steps"]
        if "run" in step
        for command in _step_commands(step, ci, checkout)
    ]
    assert [c.argv[1] for c in merged] == ["merge"]
    assert len(merged[0].argv) > 5  # the four shard reports, globbed
    check_run(run(merged[0], checkout, ci.env, cache_dir), checkout, expect_new_only=False)


def test_gitlab_shards_run_as_written(checkout: Path, cache_dir: Path) -> None:
    (data,) = [d for b, d in _gitlab_blocks() if b.section == "Past one machine: shards"]
    scan, gate = data["secgate-scan"], data["secgate-gate"]
    total = int(scan["parallel"])
    for index in range(1, total + 1):
        env = {"CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(total)}
        for line in scan["script"]:
            for command in commands(line, env, cwd=checkout):
                check_run(run(command, checkout, env, cache_dir), checkout, expect_new_only=False)
    merged = [command for line in gate["script"] for command in commands(line, {}, cwd=checkout)]
    assert [c.argv[1] for c in merged] == ["merge"]
    assert len(merged[0].argv) == 2 + total
    check_run(run(merged[0], checkout, {}, cache_dir), checkout, expect_new_only=False)


# --- the harness itself can fail -------------------------------------------------------


def test_an_unknown_stage_or_option_in_a_recipe_fails_this_test(
    checkout: Path, tmp_path: Path, cache_dir: Path
) -> None:
    """The checks above would catch a recipe that names a stage or option secgate lacks."""
    env = {"RUNNER_TEMP": str(tmp_path)}
    for bad in ("secgate check --stage nope", "secgate check --stage pr --no-such-option"):
        (command,) = commands(bad, env, cwd=checkout)
        result = run(command, checkout, env, cache_dir)
        assert result.code == 2, result.err
        with pytest.raises(AssertionError):
            check_run(result, checkout, expect_new_only=False)


# --- installs, pre-commit pin, and the README's recipe inventory ----------------------


def _project_url() -> str:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    changelog: str = pyproject["project"]["urls"]["Changelog"]
    return changelog.split("/blob/", maxsplit=1)[0]


def test_recipes_install_from_the_repository_until_a_release_exists() -> None:
    url = _project_url()
    text = README.read_text(encoding="utf-8")
    first_screen = text.split("\n---\n", 1)[0]
    assert "No release exists yet" in first_screen
    spec = re.compile(r"""pip install ['"]([^'"]+)['"]""")
    pinned = f"secgate-ci[all] @ git+{url}@"
    assert any(s.startswith(pinned) for s in spec.findall(first_screen)), first_screen
    installs = [s for block in _section("CI pipelines") for s in spec.findall(block.text)]
    assert len(installs) >= 2, installs  # GitLab, Jenkins (GitHub uses the action)
    for line in installs:
        assert line.startswith(pinned), line
    owner_name = url.removeprefix("https://github.com/")
    uses = re.findall(r"uses:\s*([\w./-]+)@([0-9a-f]{40})", _section("CI pipelines")[0].text)
    assert (owner_name,) == tuple({u for u, _ in uses} - {"actions/checkout"}), uses


def test_pre_commit_config_pins_a_commit_not_a_missing_tag() -> None:
    (block,) = [b for b in _section("pre-commit") if b.lang == "yaml"]
    (repo,) = rw.load_yaml(block)["repos"]
    assert repo["repo"] == _project_url()
    rev = str(repo["rev"])
    assert re.fullmatch(r"[0-9a-f]{40}|<commit-sha>", rev), rev
    assert "full commit SHA" in block.text


def test_every_ci_block_is_covered() -> None:
    """A new CI block in the README must get a test here (this counts them)."""
    github = _github_blocks()
    gitlab = _gitlab_blocks()
    # CI pipelines, shards and signed verdicts (tests/test_readme_attest_recipes.py), each
    assert len(github) == 3 and len(gitlab) == 3
    sections = {b.section for b, _ in github} | {b.section for b, _ in gitlab}
    assert sections == {
        "CI pipelines",
        "Past one machine: shards",
        "Signed verdicts for the deploy stage",
    }
    assert len(_ci_yaml_blocks()) == len(github) + len(gitlab)
    assert len([b for b in BLOCKS if b.lang == "groovy"]) == 1


# --- the workflow linter ---------------------------------------------------------------


def _zizmor() -> str | None:
    local = BIN / "zizmor"
    return str(local) if local.exists() else shutil.which("zizmor")


def test_readme_github_workflow_passes_zizmor(tmp_path: Path) -> None:
    zizmor = _zizmor()
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install zizmor, in the test extra)")
    written = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "readme_workflows.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    # the whole workflow and the shards fragment (given an `on:` line) are both linted
    assert len(list((tmp_path / ".github" / "workflows").glob("readme-*.yml"))) >= 2
    proc = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout
