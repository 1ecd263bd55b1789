"""secgate's bandit scanner vs `bandit -r` on the Django 5.1.15 sdist, side by side.

Usage: python benchmarks/bandit_vs_peer.py [--repeats 3] [--jobs N]

Downloads the sdist into benchmarks/.work/ (reused when present), then runs, alternating
which goes first:

* ``python -m bandit -r -f json -q .`` in the unpacked tree, and
* ``python -m secgate.cli check --scanner bandit --format json --config <bench.toml> <tree>``

each in a subprocess of its own. Like with like: the tree sits under this repository, whose
.gitignore ignores benchmarks/.work/, and secgate skips build/, dist/… by default, so the
config written next to the tree sets ``exclude = []`` and ``respect-gitignore = false``:
secgate then hands bandit every file, and the scanner itself applies bandit's own include
globs and default excludes, as `bandit -r` does. Django has no [tool.bandit] table, so
both use bandit's defaults.

Prints the median wall and CPU time of each, the ratio secgate/bandit, the peak memory
(largest single process, from the child's rusage, and the whole process tree, sampled from
/proc), the machine's load (other work slows the two-worker run more), and whether the
(rule_id, path, line) sets are identical (nosec-suppressed findings, which bandit drops,
left out), with the differences when they are not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from common import DJANGO, WORK, PeakMemory, django_tree

CONFIG = WORK / "secgate-bench.toml"

Key = tuple[str, str, int]


@dataclass
class Run:
    """One measured child process."""

    wall: float
    cpu: float
    max_rss_mb: float
    tree_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def measure(argv: list[str], cwd: Path) -> Run:
    """Run *argv*, timing it and sampling the memory of its whole process tree."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    readers: dict[str, str] = {}

    def read(name: str, stream: IO[str] | None) -> None:
        readers[name] = stream.read() if stream is not None else ""

    threads = [
        threading.Thread(target=read, args=("out", proc.stdout)),
        threading.Thread(target=read, args=("err", proc.stderr)),
    ]
    for thread in threads:
        thread.start()
    with PeakMemory(proc.pid, interval=0.1) as memory:
        # wait4 gives this child's own rusage, its waited-for children included: CPU time is
        # their sum, ru_maxrss the largest single process among them (Linux reports kB).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join()
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=memory.peak_kb / 1024,
        returncode=proc.returncode,
        stdout=readers.get("out", ""),
        stderr=readers.get("err", ""),
    )


def run_bandit(tree: Path) -> tuple[Run, set[Key]]:
    """`bandit -r -f json .` from the tree's root."""
    run = measure([sys.executable, "-m", "bandit", "-r", "-f", "json", "-q", "."], tree)
    if run.returncode not in (0, 1):
        raise SystemExit(f"bandit failed ({run.returncode}): {run.stderr[-2000:]}")
    data = json.loads(run.stdout)
    keys = {
        (r["test_id"], r["filename"].removeprefix("./"), int(r["line_number"]))
        for r in data["results"]
    }
    return run, keys


def run_secgate(tree: Path, jobs: int | None) -> tuple[Run, set[Key]]:
    """`secgate check --scanner bandit --format json` with nothing excluded."""
    argv = [sys.executable, "-m", "secgate.cli", "check", "--config", str(CONFIG)]
    argv += ["--scanner", "bandit", "--format", "json", str(tree)]
    if jobs:
        argv += ["--jobs", str(jobs)]
    run = measure(argv, tree)
    if run.returncode not in (0, 1):
        raise SystemExit(f"secgate failed ({run.returncode}): {run.stderr[-2000:]}")
    data = json.loads(run.stdout)
    scanner = data["scanners"][0]
    if scanner["status"] != "ok":
        raise SystemExit(f"secgate's bandit scanner: {scanner['status']}: {scanner['error']}")
    keys = {
        (f["rule_id"], f["path"], int(f["line"] or 0))
        for f in data["findings"]
        if f.get("suppressed_by") != "inline:nosec"
    }
    return run, keys


def main() -> int:
    """Measure, then print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each tool (median)")
    parser.add_argument("--jobs", type=int, default=None, help="secgate --jobs (default: cores)")
    args = parser.parse_args()

    tree = django_tree()
    CONFIG.write_text("exclude = []\nrespect-gitignore = false\ncache = false\n", encoding="utf-8")
    py_files = sum(1 for _ in tree.rglob("*.py"))
    cores = len(os.sched_getaffinity(0))
    python = sys.version.split()[0]
    print(f"{DJANGO} sdist: {py_files} .py files; {cores} cores; python {python}")

    bandit_runs: list[Run] = []
    secgate_runs: list[Run] = []
    bandit_keys: set[Key] = set()
    secgate_keys: set[Key] = set()
    for index in range(args.repeats):
        order = ("bandit", "secgate") if index % 2 == 0 else ("secgate", "bandit")
        for tool in order:
            if tool == "bandit":
                run, bandit_keys = run_bandit(tree)
                bandit_runs.append(run)
            else:
                run, secgate_keys = run_secgate(tree, args.jobs)
                secgate_runs.append(run)
            load = os.getloadavg()[0]
            print(f"  run {index + 1} {tool:<8} {run.wall:6.1f} s  (load {load:.1f})", flush=True)

    def median(runs: list[Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    b_wall, s_wall = median(bandit_runs, "wall"), median(secgate_runs, "wall")
    print()
    print(f"{'':<28}{'bandit -r':>12}{'secgate':>12}")
    print(f"{'wall time, median (s)':<28}{b_wall:>12.1f}{s_wall:>12.1f}")
    b_cpu, s_cpu = median(bandit_runs, "cpu"), median(secgate_runs, "cpu")
    print(f"{'CPU time, median (s)':<28}{b_cpu:>12.1f}{s_cpu:>12.1f}")
    for label, attr in (
        ("peak RSS, largest proc (MB)", "max_rss_mb"),
        ("peak RSS, process tree (MB)", "tree_rss_mb"),
    ):
        print(f"{label:<28}{median(bandit_runs, attr):>12.0f}{median(secgate_runs, attr):>12.0f}")
    print(f"{'findings':<28}{len(bandit_keys):>12}{len(secgate_keys):>12}")
    print()
    print(f"ratio secgate/bandit (wall): {s_wall / b_wall:.2f}  (target <= 0.60)")
    # Other work on the machine slows the two-worker run more than the one-core run.
    print(f"1-minute load average at the end: {os.getloadavg()[0]:.1f} on {cores} cores")
    identical = bandit_keys == secgate_keys
    print(f"(rule_id, path, line) sets identical: {'yes' if identical else 'NO'}")
    if not identical:
        for key in sorted(bandit_keys - secgate_keys):
            print(f"  only bandit:  {key}")
        for key in sorted(secgate_keys - bandit_keys):
            print(f"  only secgate: {key}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
