"""Write the README's GitHub Actions workflows to a folder, for a workflow linter (zizmor).

    python .ci/readme_workflows.py OUT_DIR

Every fenced ```yaml block of README.md that is a whole GitHub workflow (a mapping with
``on`` and ``jobs`` whose jobs have ``steps``) is written to
``OUT_DIR/.github/workflows/readme-<N>.yml``, N being the block's first line in the README,
so a finding points back at the README. ``.ci/run`` then runs ``zizmor --offline OUT_DIR``:
a security tool's examples must pass a workflow security linter. A workflow fragment (a
``jobs:`` mapping without ``on:``, such as the shards example) is written with an
``on: [push]`` line put in front, so its jobs are linted too.

``tests/test_readme_recipes.py`` imports :func:`fenced_blocks` and :func:`github_workflows`
from here, so the test and CI look at the same blocks.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

README = Path(__file__).resolve().parents[1] / "README.md"

_FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of the README."""

    lang: str
    text: str
    line: int  #: the README line of the block's first line of content (1-based)
    section: str  #: the ``## `` heading the block sits under


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced code block of a Markdown *text*, in order."""
    blocks: list[Block] = []
    section = ""
    lang: str | None = None
    start = 0
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if lang is None:
            if line.startswith("## "):
                section = line[3:].strip()
            match = _FENCE.match(line)
            if match:
                lang, start, body = match.group(1), number + 1, []
        elif line.startswith("```"):
            blocks.append(Block(lang, "\n".join(body) + "\n", start, section))
            lang = None
        else:
            body.append(line)
    if lang is not None:
        raise ValueError(f"README: the code block opened at line {start - 1} is never closed")
    return blocks


def load_yaml(block: Block) -> Any:
    """The block's YAML document (``on`` stays a string key, as GitHub reads it)."""
    data = yaml.safe_load(block.text)
    if isinstance(data, dict) and True in data:  # YAML 1.1 reads a bare `on` as true
        data["on"] = data.pop(True)
    return data


def _is_jobs(data: Any) -> bool:
    jobs = data.get("jobs") if isinstance(data, dict) else None
    return isinstance(jobs, dict) and all(
        isinstance(job, dict) and isinstance(job.get("steps"), list) for job in jobs.values()
    )


def github_workflows(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """The yaml blocks that are whole GitHub workflows, and the workflow fragments."""
    whole: list[Block] = []
    fragments: list[Block] = []
    for block in blocks:
        if block.lang != "yaml":
            continue
        data = load_yaml(block)
        if _is_jobs(data):
            (whole if "on" in data else fragments).append(block)
    return whole, fragments


def main(argv: list[str]) -> int:
    """Write the workflows under ``argv[0]``; return the exit code."""
    if len(argv) != 1:
        print("usage: readme_workflows.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0]) / ".github" / "workflows"
    out.mkdir(parents=True, exist_ok=True)
    whole, fragments = github_workflows(fenced_blocks(README.read_text(encoding="utf-8")))
    if not whole:
        print("README.md: no GitHub workflow block found", file=sys.stderr)
        return 1
    for block in whole:
        target = out / f"readme-{block.line}.yml"
        target.write_text(block.text, encoding="utf-8")
        print(f"README.md:{block.line} ({block.section}) -> {target}")
    for block in fragments:
        target = out / f"readme-{block.line}.yml"
        target.write_text("on: [push]\n" + block.text, encoding="utf-8")
        print(f"README.md:{block.line} ({block.section}), fragment + `on: [push]` -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
