"""semgrep with and without the OCaml runtime setting secgate gives it, side by side.

    python benchmarks/semgrep_tuning.py [--rounds N]

secgate runs semgrep with ``OCAMLRUNPARAM=s=4M`` (a 4M-word minor heap) unless the user set
``OCAMLRUNPARAM``. This runs the semgrep CLI with secgate's rule pack on the Python files of
the Django 5.1 sdist, alternating the default runtime and that setting, and prints the median
wall time, CPU time (user + system) and peak memory of each, the ratios, and whether the
findings are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PeakMemory, django_tree, secgate_rules_file

from secgate.scanners.semgrep import OCAML_RUNTIME_PARAMS, find_binary


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, bytes]:
    """Wall seconds, CPU seconds, peak MB of the process tree, and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        with PeakMemory(proc.pid) as memory:
            proc.wait()
            wall = time.perf_counter() - started
        out.seek(0)
        data = out.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, memory.peak_kb / 1024, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (median)")
    args = parser.parse_args()
    semgrep = find_binary()
    if semgrep is None:
        raise SystemExit("semgrep is not installed: pip install 'secgate-ci[semgrep]'")
    tree = django_tree()
    files = sorted(
        "./" + p.relative_to(tree).as_posix()
        for p in tree.rglob("*.py")
        if p.is_file() and not p.is_symlink()
    )
    with tempfile.TemporaryDirectory() as scratch:
        rules = secgate_rules_file(Path(scratch))
        argv = [
            semgrep,
            "scan",
            f"--config={rules}",
            "--metrics=off",
            "--disable-version-check",
            "--json",
            "--",
            *files,
        ]
        base = {k: v for k, v in os.environ.items() if k != "OCAMLRUNPARAM"}
        base.update(HOME=scratch, SEMGREP_SEND_METRICS="off")
        variants = {
            "default": base,
            OCAML_RUNTIME_PARAMS: {**base, "OCAMLRUNPARAM": OCAML_RUNTIME_PARAMS},
        }
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
        findings: dict[str, set[tuple[str, str, int]]] = {}
        print(f"tree: {tree} ({len(files)} Python files), {os.cpu_count()} cores")
        for _ in range(args.rounds):
            for name, env in variants.items():
                wall, cpu, peak, data = run(argv, tree, env)
                figures[name].append((wall, cpu, peak))
                findings[name] = {
                    (r["check_id"], r["path"], r["start"]["line"])
                    for r in json.loads(data)["results"]
                }
                print(f"  {name:<8} {wall:6.1f} s wall  {cpu:6.1f} s CPU  {peak:6.0f} MB")
    med = {
        name: tuple(statistics.median(run[i] for run in runs) for i in range(3))
        for name, runs in figures.items()
    }
    (dw, dc, dm), (tw, tc, tm) = med["default"], med[OCAML_RUNTIME_PARAMS]
    print(f"\nmedian of {args.rounds}: default {dw:.1f} s wall, {dc:.1f} s CPU, {dm:.0f} MB")
    print(f"           {OCAML_RUNTIME_PARAMS}  {tw:.1f} s wall, {tc:.1f} s CPU, {tm:.0f} MB")
    print(
        f"ratios ({OCAML_RUNTIME_PARAMS} / default): wall {tw / dw:.2f}, "
        f"CPU {tc / dc:.2f}, memory {tm / dm:.2f}"
    )
    same = findings["default"] == findings[OCAML_RUNTIME_PARAMS]
    print(f"identical findings: {same} ({len(findings['default'])})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
