"""Benchmark: audit a 300-dependency lock file against the full PyPA advisory database.

Prints secgate's first-run time (cold cache: every record parsed, the index built and
written) and cached time (the index reused by the database's content hash), side by side
with pip-audit on the same 300 pins when pip-audit can reach its online service.

    python benchmarks/deps_audit.py [--db ../shared/advisory-db/pypa/vulns] [--runs 5]

The lock file (uv.lock format) is generated deterministically from the package names and
versions that occur in the database, so roughly half the dependencies are affected.
Targets: first run <= 2 s, cached <= 0.3 s (the scanner's own time: load + match).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import secgate
from secgate.deps.osv import is_valid_version, load_database, version_key

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO / ".." / "shared" / "advisory-db" / "pypa" / "vulns"
TARGET_COLD_S, TARGET_CACHED_S = 2.0, 0.3


def pick_dependencies(db: Path, count: int) -> list[tuple[str, str]]:
    """``count`` (name, version) pairs from the database, deterministically."""
    with tempfile.TemporaryDirectory() as cache:
        index = load_database(db, cache_dir=Path(cache))
        chosen: list[tuple[str, str]] = []
        for position, name in enumerate(index.packages()):
            versions: set[str] = set()
            for advisory in index.advisories_for(name):
                for affected in advisory.affected:
                    if affected.name == name:
                        versions.update(affected.versions)
                        versions.update(affected.fixed)
            valid = sorted((v for v in versions if is_valid_version(v)), key=version_key)
            if not valid:
                continue
            # Alternate between an early release (often affected) and the newest one seen
            # (often a fix), so the audit sees both outcomes.
            chosen.append((name, valid[0] if position % 2 == 0 else valid[-1]))
            if len(chosen) == count:
                return chosen
    raise SystemExit(f"the database has fewer than {count} packages with valid versions")


def write_uv_lock(path: Path, deps: list[tuple[str, str]]) -> None:
    """A uv.lock with one registry ``[[package]]`` per dependency."""
    lines = ["version = 1", 'requires-python = ">=3.11"', ""]
    for name, version in deps:
        lines += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'source = { registry = "https://index.example/simple" }',
            "",
        ]
    path.write_text("\n".join(lines), "utf-8")


def run_secgate(project: Path, db: Path) -> tuple[float, float, int, str]:
    """One in-process ``secgate.check``: (scanner seconds, wall seconds, findings, cache)."""
    started = time.perf_counter()
    verdict = secgate.check(
        project,
        scanners=["pip-audit"],
        overrides={"scanners": {"pip-audit": {"vuln-db": str(db)}}},
    )
    wall = time.perf_counter() - started
    result = verdict.scanner("pip-audit")
    if result.status != secgate.ScanStatus.OK:
        raise SystemExit(f"secgate's audit failed: {result.error}")
    return result.duration_s, wall, result.findings, str(result.details.get("index_cache"))


def run_cli(project: Path, db: Path) -> float:
    """Wall time of ``secgate check`` as a process (interpreter start-up included)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "secgate.cli", "check", str(project), "--scanner", "pip-audit",
         "--vuln-db", str(db), "-q"],
        check=False, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def run_pip_audit(requirements: Path, timeout: float) -> tuple[float, int, int] | str:
    """(seconds, audited, skipped) for pip-audit on the same pins, or why it could not run."""
    executable = shutil.which("pip-audit")
    if executable is None:
        return "pip-audit is not installed"
    command = [executable, "--requirement", str(requirements), "--format", "json", "--no-deps",
               "--disable-pip", "--progress-spinner", "off", "--timeout", "10"]  # fmt: skip
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"pip-audit did not finish within {timeout:g} s"
    elapsed = time.perf_counter() - started
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return f"pip-audit failed (exit {done.returncode}) without a JSON report"
    deps = report.get("dependencies", [])
    skipped = sum(1 for d in deps if "skip_reason" in d)
    return elapsed, len(deps) - skipped, skipped


def _row(label: str, scanner: float, wall: float, target: float) -> str:
    verdict = "met" if scanner <= target else "MISSED"
    return (
        f"  {label:<24} scanner {scanner:6.3f} s   check() {wall:6.3f} s   "
        f"target <= {target:g} s: {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="OSV records folder")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--count", type=int, default=300, help="dependencies in the lock file")
    args = parser.parse_args()
    db = args.db.resolve()
    if not db.is_dir():
        print(f"database not found: {db} (pass --db)")
        return 2
    # A folder outside the repository: benchmarks/.work is gitignored, and secgate honours
    # .gitignore when it collects files.
    work = Path(tempfile.mkdtemp(prefix="secgate-deps-bench-"))
    try:
        return _bench(work, db, args.runs, args.count)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(work: Path, db: Path, runs: int, count: int) -> int:
    project = work / "project"
    project.mkdir(parents=True)
    deps = pick_dependencies(db, count)
    write_uv_lock(project / "uv.lock", deps)
    requirements = work / "requirements.txt"
    requirements.write_text("".join(f"{n}=={v}\n" for n, v in deps), "utf-8")
    records = sum(1 for _ in db.rglob("*.yaml")) + sum(1 for _ in db.rglob("*.json"))
    print(f"database: {db} ({records} records)")
    print(f"lock file: {len(deps)} dependencies (uv.lock)")

    cold, cold_wall, cached, cached_wall = [], [], [], []
    findings = 0
    for run in range(runs):
        os.environ["XDG_CACHE_HOME"] = str(work / f"cache-{run}")  # empty: a cold run
        seconds, wall, findings, state = run_secgate(project, db)
        if state != "built":
            raise SystemExit(f"expected a cold run to build the index, got {state!r}")
        cold.append(seconds)
        cold_wall.append(wall)
    for _ in range(runs):  # the last cache is warm now
        seconds, wall, found, state = run_secgate(project, db)
        if state != "hit" or found != findings:
            raise SystemExit(f"expected the cached index and the same findings: {state}, {found}")
        cached.append(seconds)
        cached_wall.append(wall)
    cli = statistics.median(run_cli(project, db) for _ in range(3))

    cold_s, cached_s = statistics.median(cold), statistics.median(cached)
    print(f"\nsecgate, median of {runs} runs ({findings} findings):")
    print(_row("first run (index built)", cold_s, statistics.median(cold_wall), TARGET_COLD_S))
    print(_row("cached (index reused)", cached_s, statistics.median(cached_wall), TARGET_CACHED_S))
    print(f"  cached, whole `secgate check` process: {cli:.3f} s (interpreter start-up included)")
    print(f"  cold / cached: {cold_s / cached_s:.1f}x")

    outcome = run_pip_audit(requirements, timeout=600)
    print("\npip-audit on the same pins (online services):")
    if isinstance(outcome, str):
        print(f"  not measured: {outcome}")
    else:
        elapsed, audited, skipped = outcome
        if audited == 0:
            print(f"  not comparable: it ran {elapsed:.1f} s but audited nothing ({skipped} of "
                  f"{len(deps)} dependencies skipped: its online service is unreachable from "
                  "this machine); secgate's figures stand alone")  # fmt: skip
        else:
            print(f"  {elapsed:.3f} s ({audited} audited, {skipped} skipped); "
                  f"secgate cached is {elapsed / cached_s:.0f}x faster")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
