"""What the secgate pytest plugin costs a pytest run that does not use it.

pytest imports every installed ``pytest11`` plugin in every run, so an installed but unused
secgate must add nothing noticeable. This script measures, in one run on this machine:

1. wall time of a small test suite with the plugin installed but not enabled, against the
   same run with ``-p no:secgate`` (plugin not loaded at all): many repeats, interleaved
   (ABBA order) so drift on a shared machine hits both sides alike; medians and difference;
2. ``python -X importtime`` of the plugin module after pytest is loaded (the plugin's own
   import cost), next to a peer: hypothesis' pytest plugin, another always-loaded plugin;
3. which modules the plugin's import adds (must be none of the engine, pydantic, pluggy).

Usage: ``python benchmarks/pytest_plugin_overhead.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_FILE = """\
import pytest


@pytest.mark.parametrize("n", range(20))
def test_square(n):
    assert n * n >= 0


def test_text():
    assert "secgate".upper() == "SECGATE"
"""


def make_suite(root: Path) -> None:
    """Five files, 105 tests: the size of a small project's fast unit tests."""
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-q"\n')
    for index in range(5):
        (root / f"test_mod{index}.py").write_text(TEST_FILE)


def bytecode_env(cache: Path) -> dict[str, str]:
    """Environment where Python reads and writes bytecode, in *cache*, as installs do.

    Without cached bytecode every run compiles every module, which hides small costs.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def run_once(root: Path, extra: list[str]) -> float:
    """Seconds for one pytest run in a fresh interpreter."""
    env = bytecode_env(root / ".pycache")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *extra],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def import_cost_us(module: str, repeats: int, cache: Path) -> float | None:
    """Median cumulative import time (µs) of *module* and its new imports, pytest loaded first."""
    samples = []
    for _ in range(repeats + 1):  # the first run writes the bytecode; it is not counted
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import pytest; import {module}"],
            capture_output=True,
            text=True,
            check=False,
            env=bytecode_env(cache),
        )
        if proc.returncode != 0:
            return None
        # Lines after pytest's own import are what `import module` added; top-level ones
        # (no nesting indent) hold the cumulative time of everything below them.
        lines = proc.stderr.splitlines()
        start = max(i for i, line in enumerate(lines) if line.rstrip().endswith("| pytest"))
        total = 0
        for line in lines[start + 1 :]:
            parts = line.split("|")
            if len(parts) == 3 and parts[2].startswith(" ") and not parts[2].startswith("  "):
                total += int(parts[1])
        samples.append(total)
    return statistics.median(samples[1:])


def added_modules(module: str) -> list[str]:
    """Modules that importing *module* loads on top of pytest."""
    code = (
        "import sys, pytest; before = set(sys.modules); "
        f"import {module}; print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.split()


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="runs per side (default 30)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="secgate-bench-") as tmp:
        root = Path(tmp)
        make_suite(root)
        run_once(root, [])  # warm the file cache and write the bytecode
        with_plugin: list[float] = []
        without: list[float] = []
        imports: list[str] = []
        for index in range(args.repeats):
            order = [(with_plugin, []), (without, ["-p", "no:secgate"])]
            if index % 2:
                order.reverse()
            for bucket, extra in order:
                bucket.append(run_once(root, extra))
        imports.append("\nimport cost after `import pytest` (python -X importtime, median of 15):")
        for label, module in (
            ("secgate.pytest_plugin", "secgate.pytest_plugin"),
            ("peer: hypothesis' pytest plugin", "_hypothesis_pytestplugin"),
        ):
            cost = import_cost_us(module, 15, root / ".pycache")
            shown = "not installed" if cost is None else f"{cost / 1000:6.2f} ms"
            imports.append(f"  {label:<32}: {shown}")

    med_with = statistics.median(with_plugin)
    med_without = statistics.median(without)
    diff_ms = (med_with - med_without) * 1000
    spread = statistics.quantiles(without, n=4)
    print(f"pytest run, 105 tests, {args.repeats} interleaved runs per side (medians):")
    print(f"  secgate installed, not enabled : {med_with * 1000:8.1f} ms")
    print(f"  -p no:secgate (not loaded)     : {med_without * 1000:8.1f} ms")
    print(
        f"  difference                     : {diff_ms:+8.1f} ms "
        f"({diff_ms / (med_without * 1000) * 100:+.1f} %); run-to-run IQR without the "
        f"plugin: {(spread[2] - spread[0]) * 1000:.1f} ms"
    )

    diffs = [a - b for a, b in zip(with_plugin, without, strict=True)]
    paired = statistics.median(diffs)
    error = 2 * statistics.stdev(diffs) / len(diffs) ** 0.5
    print(
        f"  median of paired differences   : {paired * 1000:+8.1f} ms "
        "(each pair ran back to back: robust to drift on a shared machine)"
    )
    print(
        f"  mean of paired differences     : {statistics.mean(diffs) * 1000:+8.1f} ms "
        f"± {error * 1000:.1f} ms (2 standard errors: a difference inside it is noise)"
    )
    print("\n".join(imports))

    modules = added_modules("secgate.pytest_plugin")
    heavy = [m for m in modules if m.split(".")[0] in {"pydantic", "pluggy", "pathspec"}]
    heavy += [m for m in modules if m in {"secgate.engine", "secgate.models", "secgate.config"}]
    print(f"\nmodules the plugin import adds: {', '.join(modules) or 'none'}")
    print(f"heavy modules among them: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
