"""secgate's semgrep scanner vs the plain semgrep CLI on the same files, side by side.

Prints wall time of each, the ratio, and whether the findings (rule id, path, line) are
identical. The tree defaults to the installed ``pip`` package (present everywhere); pass
another folder as the first argument.

    python benchmarks/semgrep_vs_cli.py [TREE]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import secgate
from secgate.config import Config
from secgate.engine import collect_files
from secgate.plugins import bundled_rules
from secgate.scanners.semgrep import find_binary


def _default_tree() -> Path:
    import pip  # noqa: PLC0415 - only to locate its source folder

    return Path(pip.__file__).resolve().parent


def main() -> int:
    """Run both, print the figures."""
    tree = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else _default_tree()
    semgrep = find_binary()
    if semgrep is None:
        print("semgrep is not installed: pip install 'secgate-ci[semgrep]'")
        return 2
    # The tree may sit inside a gitignored folder (a virtualenv): scan it all the same.
    config = Config(select=("semgrep",), respect_gitignore=False)
    files = list(collect_files(tree, [tree], config).files)
    print(f"tree: {tree} ({len(files)} files collected)")

    started = time.perf_counter()
    verdict = secgate.check(tree, config=config)
    secgate_s = time.perf_counter() - started
    result = verdict.scanner("semgrep")
    ours = {(f.rule_id, f.path, f.line) for f in verdict.findings}

    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
        env.update(HOME=home, SEMGREP_SETTINGS_FILE=f"{home}/s.yml", SEMGREP_LOG_FILE=f"{home}/l")
        started = time.perf_counter()
        proc = subprocess.run(
            [
                semgrep,
                "scan",
                "--json",
                "--metrics=off",
                "--disable-version-check",
                "--disable-nosem",
                f"--config={bundled_rules('semgrep')}",
                "--",
                *(f"./{f}" for f in files),
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        cli_s = time.perf_counter() - started
    theirs = {
        (r["check_id"].rsplit(".", 1)[-1], r["path"], r["start"]["line"])
        for r in json.loads(proc.stdout)["results"]
    }
    print(
        f"secgate semgrep scanner: {secgate_s:6.2f} s  status {result.status}, "
        f"{len(ours)} findings, {result.coverage.files_scanned} files scanned, "
        f"{len(result.coverage.skipped)} skipped"
    )
    print(f"semgrep scan --config rules/semgrep: {cli_s:6.2f} s  {len(theirs)} findings")
    print(f"ratio secgate/cli: {secgate_s / cli_s:.2f}")
    print(f"identical findings: {ours == theirs}")
    if ours != theirs:
        print(f"  only secgate: {sorted(ours - theirs)[:10]}")
        print(f"  only semgrep: {sorted(theirs - ours)[:10]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
