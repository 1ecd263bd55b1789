"""What the taint rules cost in semgrep CPU time on Django, with and without their prefilter.

    python benchmarks/taint_cost.py [--repeats N] [--pattern-ref REF] [TREE]

Issue 16's budget: the pack's semgrep CPU time on the Django 5.1 sdist may grow by at most
30% against the pack before the taint rules (commit ``576cbfe``, taken with ``git
archive``: the "pattern pack"). Measured side by side in one run, each N times (median),
through secgate's semgrep scanner alone (``select = ["semgrep"]``, no result cache):

  p  the pattern pack
  f  today's pack, every rule on every file (``prefilter = false``)
  t  today's pack as it runs by default: taint rules only on files holding a source token
     (``metadata.secgate-prefilter``, secgate/scanners/semgrep/prefilter.py)

CPU time is the semgrep processes' user + system time (``RUSAGE_CHILDREN``), which the
machine's other load does not inflate as it does wall time. Prints f/p and t/p against the
1.3 budget, and whether f and t found exactly the same findings (rule, path, line).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_tree

import secgate
from secgate.config import Config

REPO = Path(__file__).resolve().parents[1]
PATTERN_REF = "576cbfe"
BUDGET = 1.3

Findings = set[tuple[str, str, int | None]]


def _pattern_pack(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "rules/semgrep"],
        capture_output=True,
        check=True,
    )
    tar = into / "pack.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as unpacked:
        unpacked.extractall(into, filter="data")
    return into / "rules" / "semgrep"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(tree: Path, options: dict[str, object]) -> tuple[float, float, Findings]:
    config = Config(select=("semgrep",), cache=False, scanners={"semgrep": options})
    cpu, wall = _children_cpu(), time.perf_counter()
    verdict = secgate.check(tree, config=config)
    cpu, wall = _children_cpu() - cpu, time.perf_counter() - wall
    result = verdict.scanner("semgrep")
    if result.error:
        raise SystemExit(f"semgrep failed: {result.error}")
    return cpu, wall, {(f.rule_id, f.path, f.line) for f in verdict.findings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", type=Path, help="default: the Django 5.1.15 sdist")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pattern-ref", default=PATTERN_REF)
    args = parser.parse_args()
    tree = (args.tree or django_tree()).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        pattern = _pattern_pack(args.pattern_ref, Path(tmp))
        variants = {
            "p": {"bundled-rules": False, "rules": [str(pattern)]},
            "f": {"prefilter": False},
            "t": {},
        }
        cpu: dict[str, list[float]] = {k: [] for k in variants}
        wall: dict[str, list[float]] = {k: [] for k in variants}
        found: dict[str, Findings] = {}
        for _ in range(args.repeats):
            for key, options in variants.items():  # interleaved: the same load on each
                c, w, f = _run(tree, options)
                cpu[key].append(c)
                wall[key].append(w)
                found[key] = f
    med = {k: statistics.median(v) for k, v in cpu.items()}
    names = {
        "p": f"pattern pack ({args.pattern_ref})",
        "f": "today's pack, no prefilter",
        "t": "today's pack (default)",
    }
    print(f"tree: {tree}  repeats: {args.repeats} (median)")
    for key, name in names.items():
        print(
            f"  {key}  {name:32} semgrep CPU {med[key]:7.1f} s   "
            f"wall {statistics.median(wall[key]):6.1f} s   findings {len(found[key])}"
        )
    for key in ("f", "t"):
        ratio = med[key] / med["p"]
        verdict = "met" if ratio <= BUDGET else "unmet"
        print(f"  {key}/p = {ratio:.2f}  (budget <= {BUDGET}: {verdict})")
    same = found["f"] == found["t"]
    print(f"  f and t find the same findings: {'yes' if same else 'NO'}")
    if not same:
        for item in sorted(found["f"] ^ found["t"])[:20]:
            print(f"    only in {'f' if item in found['f'] else 't'}: {item}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
