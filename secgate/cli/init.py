"""``secgate init``: a commented starter config and, with ``--ci``, the CI workflow.

The config is a ``[tool.secgate]`` table appended to the project's ``pyproject.toml``; a
project without one gets a ``secgate.toml`` with the same keys at its top level instead (a
new ``pyproject.toml`` could change how pip builds a ``setup.py`` project). Every key in the
starter, the commented-out ones too, is one secgate's config loader accepts
(tests/test_cli_init.py uncomments them all and loads the result).

``--ci github`` writes ``.github/workflows/secgate.yml``, ``--ci gitlab`` writes
``.gitlab-ci.yml``: both are the README's recipes, character for character (a test compares
them with the README's blocks, and runs zizmor on the GitHub one). An existing
``.gitlab-ci.yml`` is not touched: the job to add to it is printed instead.

Nothing is overwritten. An existing secgate config (``secgate.toml``, or ``[tool.secgate]``
in ``pyproject.toml``) or an existing ``.github/workflows/secgate.yml`` exits 2 before
anything is written.
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from secgate.atomic import atomic_write_text
from secgate.cli.exitcodes import EXIT_PASS
from secgate.errors import ConfigError, UsageError

GITHUB_WORKFLOW_PATH = ".github/workflows/secgate.yml"
GITLAB_CI_PATH = ".gitlab-ci.yml"

#: The starter table, for pyproject.toml; ``{prefix}`` is ``tool.secgate.`` there and empty
#: in a secgate.toml, ``{expires}`` a date 90 days after the day it is written.
STARTER = """\
[tool.secgate]
# secgate's settings, written by `secgate init`. Every key is validated: a typo is an error.
# Findings at or above this severity fail the gate: critical, high, medium, low or info.
fail-on = "high"
# A scanner that crashes or cannot run makes the verdict error ("warn": judge the others).
on-scanner-error = "fail"
# Folders and globs never scanned, on top of the defaults (.git/, .venv/, node_modules/...).
extend-exclude = []
# Files larger than this many MB are skipped, and listed in every report.
max-file-mb = 10
# Each scanner must analyse at least this share of its files, else the verdict is error.
min-coverage = 0.5
# Gap kinds of which any one makes the verdict error, e.g. ["unparsable", "too-big"].
fail-on-gaps = []
# Per-scanner time limit: seconds, or "90s", "10m", "1h".
timeout = "10m"
# Run exactly these scanners (each is then required), or never run some:
# select = ["bandit", "semgrep", "secrets", "pip-audit"]
# skip = ["pip-audit"]
# Findings accepted for now, recorded by `secgate baseline`; only new ones block:
# baseline = ".secgate-baseline.json"
# VEX documents (OpenVEX or CycloneDX) that set a dependency finding aside as not affected:
# vex = ["security/openvex.json"]

# A stricter gate for another pipeline, chosen with `secgate check --stage release`:
# [{prefix}stages.release]
# fail-on = "medium"

# Each scanner's own options, for example:
# [{prefix}scanners.bandit]
# exclude = ["migrations/"]

# An exception that expires (the finding blocks again after that day):
# [[{prefix}waivers]]
# id = "W1"
# rule = "B602"
# path = "tools/build.py"
# reason = "runs a fixed command only; reviewed"
# expires = {expires}
"""

#: The README's GitHub Actions workflow (section "CI pipelines"), as written there.
GITHUB_WORKFLOW = r"""# .github/workflows/secgate.yml
name: secgate
on: [push, pull_request]
permissions: {}             # nothing by default; the job says what it needs
concurrency:                # a new push cancels the gate of the previous one
  group: secgate-${{ github.ref }}
  cancel-in-progress: true
jobs:
  secgate:
    name: secgate
    runs-on: ubuntu-latest
    permissions:
      contents: read
      actions: read           # upload-sarif reads the run's details (private repositories)
      security-events: write  # upload-sarif
      pull-requests: write    # the summary comment
    steps:
      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0
        with:
          fetch-depth: 0    # --new-since compares with the target branch
          persist-credentials: false
      - name: secgate
        # The action at a commit you reviewed (no release is tagged yet): it sets up Python,
        # installs secgate at that commit, restores and saves the result cache outside the
        # checkout, annotates the changed lines, writes the job summary, uploads the SARIF
        # report to code scanning and ends with secgate's exit code.
        uses: secgate-ci/secgate@e6221e47c3a918cf67311fabc43e10e5baaec969 # main, 2026-12-04
        with:
          stage: pr
          new-since: ${{ github.base_ref && format('origin/{0}', github.base_ref) || '' }}
          sarif: secgate.sarif    # under $RUNNER_TEMP, outside the checkout
          args: --report markdown=${{ runner.temp }}/secgate.md
      - name: Summary
        if: always()
        env:
          GH_TOKEN: ${{ github.token }}
          PR: ${{ github.event.pull_request.number }}
          REPO: ${{ github.repository }}
        run: |
          test -f "$RUNNER_TEMP/secgate.md" || exit 0
          test -n "$PR" || exit 0    # a push: the job summary is all
          # The gate's own comment from an earlier push: the bot's, starting with the marker.
          ids=$(gh api --paginate "repos/$REPO/issues/$PR/comments" \
            --jq '.[] | select(.user.login == "github-actions[bot]")
                      | select(.body | startswith("<!-- secgate-report -->")) | .id')
          id=${ids%%[[:space:]]*}    # the first one
          if [ -n "$id" ]; then
            gh api -X PATCH "repos/$REPO/issues/comments/$id" -F body=@"$RUNNER_TEMP/secgate.md"
          else
            gh api -X POST "repos/$REPO/issues/$PR/comments" -F body=@"$RUNNER_TEMP/secgate.md"
          fi
"""

#: The README's GitLab CI job, as written there.
GITLAB_JOB = r"""secgate:
  image: python:3.12
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"  # sets CI_MERGE_REQUEST_TARGET_BRANCH_NAME
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH        # and the default branch: every finding
  variables:
    GIT_DEPTH: "0"          # --new-since compares with the target branch
    SECGATE_CACHE_DIR: /tmp/secgate-cache   # outside the checkout: secgate refuses a cache inside the tree
  cache:                    # GitLab caches folders inside the project only: moved in and out below
    key: secgate-$CI_COMMIT_REF_SLUG        # one per branch: a merge request never fills main's
    fallback_keys: [secgate-$CI_DEFAULT_BRANCH]
    paths: [.secgate-cache/]
  before_script:
    - pip install 'secgate-ci[all] @ git+https://github.com/secgate-ci/secgate@main'
    - if [ -n "$(git ls-files .secgate-cache)" ]; then echo "ignoring the .secgate-cache the tree ships"; rm -rf .secgate-cache; fi
    - if [ -d .secgate-cache ]; then mv .secgate-cache "$SECGATE_CACHE_DIR"; fi
  script:
    - if [ -n "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" ]; then git fetch -q origin "+refs/heads/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME:refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"; fi
    - secgate check --stage pr
        ${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:+--new-since origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME}
        --report gitlab-sast=gl-sast-report.json
        --report gitlab-secret-detection=gl-secret-detection-report.json
        --report gitlab-dependency-scanning=gl-dependency-scanning-report.json
        --report gitlab-codequality=gl-code-quality-report.json
        --report junit=secgate-junit.xml --report markdown=secgate.md
  after_script:
    - if [ -d "$SECGATE_CACHE_DIR" ]; then rm -rf .secgate-cache && mv "$SECGATE_CACHE_DIR" .secgate-cache; fi
  artifacts:
    when: always            # keep the reports when the gate fails
    reports:
      sast: gl-sast-report.json
      secret_detection: gl-secret-detection-report.json
      dependency_scanning: gl-dependency-scanning-report.json
      codequality: gl-code-quality-report.json
      junit: secgate-junit.xml
    paths: [gl-sast-report.json, gl-secret-detection-report.json, gl-dependency-scanning-report.json, gl-code-quality-report.json, secgate-junit.xml, secgate.md]
"""  # noqa: E501 - the README's lines, as they are


@dataclass(frozen=True)
class Planned:
    """One file ``secgate init`` writes: its path and its whole new text."""

    path: Path
    text: str
    note: str


def starter_config(*, pyproject: bool, today: date | None = None) -> str:
    """The starter config: a ``[tool.secgate]`` table, or a secgate.toml's top level."""
    expires = (today or date.today()) + timedelta(days=90)
    text = STARTER.format(prefix="tool.secgate." if pyproject else "", expires=expires)
    if not pyproject:
        text = text.removeprefix("[tool.secgate]\n")
    return text


def _read_toml(path: Path) -> tuple[str, dict[str, object]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); fix it before `secgate init`") from None


def _plan_config(root: Path) -> Planned:
    own = root / "secgate.toml"
    if own.exists():
        raise UsageError(
            f"{own} already configures secgate: nothing written (edit it, or pass --no-config)"
        )
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return Planned(own, starter_config(pyproject=False), "a starter config")
    text, data = _read_toml(pyproject)
    tool = data.get("tool")
    if isinstance(tool, dict) and "secgate" in tool:
        raise UsageError(
            f"{pyproject} already has a [tool.secgate] table: nothing written "
            "(edit it, or pass --no-config)"
        )
    glue = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    return Planned(
        pyproject, text + glue + starter_config(pyproject=True), "a starter [tool.secgate] table"
    )


def cmd_init(args: argparse.Namespace, stdout: TextIO) -> int:
    root = Path(args.init_path)
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    if args.init_no_config and not args.init_ci:
        raise UsageError("--no-config writes nothing without --ci github|gitlab")
    planned: list[Planned] = []
    if not args.init_no_config:
        planned.append(_plan_config(root))
    job_to_add = False
    if args.init_ci == "github":
        workflow = root / GITHUB_WORKFLOW_PATH
        if workflow.exists() or workflow.is_symlink():
            raise UsageError(f"{workflow} already exists: nothing written")
        planned.append(Planned(workflow, GITHUB_WORKFLOW, "the GitHub Actions workflow"))
    elif args.init_ci == "gitlab":
        gitlab = root / GITLAB_CI_PATH
        if gitlab.exists() or gitlab.is_symlink():
            job_to_add = True
        else:
            planned.append(Planned(gitlab, GITLAB_JOB, "the GitLab CI job"))
    for item in planned:
        if args.init_dry_run:
            stdout.write(f"would write {item.path} ({item.note}):\n{item.text}\n")
            continue
        item.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(item.path, item.text)
        stdout.write(f"wrote {item.path}: {item.note}\n")
    if job_to_add:
        stdout.write(
            f"{root / GITLAB_CI_PATH} exists and was not changed; add this job to it:\n\n"
            f"{GITLAB_JOB}"
        )
    if not args.init_dry_run and planned:
        stdout.write("next: `secgate check` runs the gate with it; commit the new files\n")
    return EXIT_PASS
