"""The gate before and after a change to its code, side by side in one run.

    python benchmarks/before_after.py [--ref REF] [--repeats N]

A restructuring (issue 14: one-way flow, modules split) must not make the gate slower. This
installs secgate at REF (default: the first commit of the restructuring) into a virtual
environment of its own under benchmarks/.work/, then runs that ``secgate check`` and the
current checkout's, alternately, on the Django 5.1 sdist:

  cold  an empty result cache
  warm  the cache filled, after editing one file

Both versions get the same semgrep rules (REF's pack, given as extra rules with the bundled
pack off) so that only the code differs, the same offline PyPA database (../shared, when
present; else the dependency audit is left out), and the same worker count. It prints the
median wall time and peak memory of each, and the ratio after/before. Ratios near 1.0 (within
the spread printed beside them) mean "within noise".
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import WORK, PeakMemory, django_tree

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_DB = REPO.parent / "shared" / "advisory-db" / "pypa"
DEFAULT_REF = "576cbfe"


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def _before_install(ref: str) -> Path:
    """``secgate`` of REF in a venv of its own (reused when already there)."""
    commit = _run(["git", "rev-parse", "--short=12", f"{ref}^{{commit}}"], cwd=REPO).stdout.strip()
    home = WORK / f"before-{commit}"
    exe = home / "venv" / "bin" / "secgate"
    if exe.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    tree = home / "src"
    if not tree.exists():
        _run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=REPO)
    _run([sys.executable, "-m", "venv", str(home / "venv")])
    print(f"installing secgate {commit} into {home / 'venv'} (once)...", flush=True)
    _run([str(home / "venv" / "bin" / "pip"), "install", "-q", f"{tree}[all]"])
    return home


def _config(folder: Path, rules: Path) -> Path:
    config = folder / "bench.toml"
    lines = [
        "exclude = []",
        "respect-gitignore = false",
        "[scanners.semgrep]",
        "bundled-rules = false",
        f"rules = ['{rules}']",
    ]
    if SHARED_DB.is_dir():
        lines += ["[scanners.pip-audit]", f"vuln-db = '{SHARED_DB}'"]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _measure(exe: Path, tree: Path, config: Path, cache: Path) -> tuple[float, int, int]:
    scanners = ["bandit", "semgrep", "secrets"] + (["pip-audit"] if SHARED_DB.is_dir() else [])
    argv = [str(exe), "check", str(tree), "--config", str(config), "--format", "json"]
    for name in scanners:
        argv += ["--scanner", name]
    env = {**os.environ, "SECGATE_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        with PeakMemory(proc.pid) as peak:
            code = proc.wait()
        wall = time.perf_counter() - start
        if code not in (0, 1):  # an error is not a measurement: say what it was
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            out.seek(0)
            reasons = out.read()[-2000:].decode("utf-8", "replace")
            print(f"    exit {code}: {' '.join(tail)} {reasons[-600:]!r}")
    return wall, peak.peak_kb, code


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default=DEFAULT_REF, help="the 'before' commit")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    home = _before_install(args.ref)
    versions = {
        "before": home / "venv" / "bin" / "secgate",
        "after": Path(sys.executable).parent / "secgate",
    }
    tree = django_tree()
    scratch = Path(tempfile.mkdtemp(prefix="secgate-before-after-"))
    try:
        config = _config(scratch, home / "src" / "rules" / "semgrep")
        edited = tree / "django" / "utils" / "text.py"
        original = edited.read_bytes()
        times: dict[tuple[str, str], list[float]] = {}
        memory: dict[tuple[str, str], list[int]] = {}
        codes: dict[str, set[int]] = {}
        for repeat in range(args.repeats):
            for name, exe in versions.items():
                cache = scratch / f"cache-{name}-{repeat}"
                for phase in ("cold", "warm"):
                    if phase == "warm":
                        edited.write_bytes(original + f"\n# edit {repeat}\n".encode())
                    try:
                        wall, kb, code = _measure(exe, tree, config, cache)
                    finally:
                        edited.write_bytes(original)
                    times.setdefault((name, phase), []).append(wall)
                    memory.setdefault((name, phase), []).append(kb)
                    codes.setdefault(name, set()).add(code)
                    print(f"  {name:<6} {phase}: {wall:6.2f} s  {kb / 1024:7.0f} MB  exit {code}")
        print()
        print(f"{'':14}{'before':>10}{'after':>10}{'after/before':>14}  (spread of before)")
        for phase in ("cold", "warm"):
            b = statistics.median(times[("before", phase)])
            a = statistics.median(times[("after", phase)])
            spread = max(times[("before", phase)]) / min(times[("before", phase)])
            print(f"{phase + ' wall (s)':14}{b:10.2f}{a:10.2f}{a / b:14.2f}  x{spread:.2f}")
            bm = statistics.median(memory[("before", phase)]) / 1024
            am = statistics.median(memory[("after", phase)]) / 1024
            print(f"{phase + ' peak (MB)':14}{bm:10.0f}{am:10.0f}{am / bm:14.2f}")
        print(f"exit codes: before {sorted(codes['before'])}, after {sorted(codes['after'])}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
