"""Score detection on secgate's labelled suite: secgate, bandit alone, the semgrep pack alone.

Usage: python benchmarks/detection/score.py [--family F] [--json]

The suite is ``cases/<family>/<framework>_<nn>_{true|false}.py``, one labelled case per
file, described in ``manifest.toml`` (family, CWE, label, framework, why). Five columns:

* ``secgate all``: every finding of ``secgate.check(cases, scanners=["bandit", "semgrep"])``
  with nothing excluded (no default excludes, no .gitignore, no cache, test code not relaxed);
* ``secgate block``: the blocking findings of that same run;
* ``bandit``: ``bandit -r -f json`` from the venv, test ids mapped to CWEs through bandit's
  own ``issue_cwe`` field;
* ``semgrep pack``: ``semgrep --config rules/semgrep --json`` alone;
* ``pattern pack``: the same with the pack as it was before the taint rules (commit
  ``576cbfe``, taken with ``git archive``; ``--pattern-ref`` names another).

A file counts as detected when one of its findings carries a CWE of the file's family (the
family table is :data:`secgate.families.FAMILIES`, the one the gate itself uses); a finding
of another family in the same file is not counted either way. Per family it prints the
true-positive rate (detected true cases / true cases), the false-positive rate (detected
false cases / false cases) and Youden's J = TPR - FPR, then the mean J over the families.

It is a measurement, not a test: it exits 0 whatever the figures (2 for bad usage).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CASES = HERE / "cases"
MANIFEST = HERE / "manifest.toml"
RULES = REPO / "rules" / "semgrep"
SCANNERS = ("bandit", "semgrep")
COLUMNS = ("secgate all", "secgate block", "bandit", "semgrep pack", "pattern pack")
#: The pack before the taint rules (issue 16's starting point): the "pattern pack" column.
PATTERN_REF = "576cbfe"

sys.path.insert(0, str(REPO))

from secgate.families import FAMILIES, families_of  # noqa: E402

#: Per column: relative case path -> families its findings name.
Detections = dict[str, set[str]]


@dataclass(frozen=True)
class Case:
    """One labelled file of the suite."""

    path: str
    family: str
    cwe: int
    label: bool
    framework: str
    why: str


@dataclass(frozen=True)
class Score:
    """Confusion counts of one column on one family."""

    tp: int
    fn: int
    fp: int
    tn: int

    @property
    def tpr(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def j(self) -> float:
        return self.tpr - self.fpr

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fn": self.fn,
            "fp": self.fp,
            "tn": self.tn,
            "tpr": round(self.tpr, 3),
            "fpr": round(self.fpr, 3),
            "j": round(self.j, 3),
        }


def load_manifest(path: Path = MANIFEST) -> list[Case]:
    """Every case in *path*, sorted by path."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return sorted(
        (
            Case(
                path=rel,
                family=entry["family"],
                cwe=entry["cwe"],
                label=entry["label"],
                framework=entry["framework"],
                why=entry["why"],
            )
            for rel, entry in data.items()
        ),
        key=lambda case: case.path,
    )


def _relative(filename: str, cases: Path) -> str | None:
    """*filename* (absolute, or relative to the working directory) relative to *cases*."""
    path = Path(filename)
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        return path.resolve().relative_to(cases.resolve()).as_posix()
    except ValueError:
        return None


def _add(found: Detections, rel: str | None, cwes: Iterable[int]) -> None:
    if rel is not None:
        found.setdefault(rel, set()).update(families_of(cwes))


def run_secgate(target: Path, cases: Path) -> tuple[Detections, Detections]:
    """Families found per file by secgate: all findings, and the blocking ones."""
    import secgate  # noqa: PLC0415

    config = secgate.Config(exclude=(), respect_gitignore=False, cache=False, relax_test_code=False)
    verdict = secgate.check(target, config=config, scanners=list(SCANNERS), root=cases)
    for scan in verdict.scanners:
        if scan.name in SCANNERS and scan.status is not secgate.ScanStatus.OK:
            print(
                f"warning: secgate's {scan.name} ended {scan.status}: {scan.error}", file=sys.stderr
            )
    every: Detections = {}
    blocking: Detections = {}
    for finding in verdict.findings:
        rel = _relative(str(cases / finding.path), cases)
        _add(every, rel, finding.cwe)
        if finding.blocking:
            _add(blocking, rel, finding.cwe)
    return every, blocking


def _tool(name: str) -> str:
    """*name* from the venv this script runs in, else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"error: {name} is not installed")
    return found


def run_bandit(target: Path, cases: Path) -> Detections:
    """Families found per file by ``bandit -r``, CWEs from bandit's own issue_cwe field."""
    proc = subprocess.run(
        [_tool("bandit"), "-r", "-f", "json", "-q", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"error: bandit exited {proc.returncode}: {proc.stderr.strip()}")
    found: Detections = {}
    for issue in json.loads(proc.stdout)["results"]:
        cwe = int((issue.get("issue_cwe") or {}).get("id") or 0)
        _add(found, _relative(issue["filename"], cases), (cwe,) if cwe else ())
    return found


def pattern_pack(ref: str, into: Path) -> Path | None:
    """The pack's rules at *ref* (``git archive``) under *into*, or None without git/ref."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "rules/semgrep"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        print(f"warning: no pattern pack: git archive {ref} failed", file=sys.stderr)
        return None
    unpack = subprocess.run(
        ["tar", "-x", "-C", str(into)], input=archive.stdout, capture_output=True, check=False
    )
    return into / "rules" / "semgrep" if unpack.returncode == 0 else None


def run_semgrep(target: Path, cases: Path, rules: Path = RULES) -> Detections:
    """Families found per file by ``semgrep --config <rules>`` alone."""
    from secgate.scanners.semgrep import parse_cwes  # noqa: PLC0415

    proc = subprocess.run(
        [
            _tool("semgrep"),
            "--config",
            str(rules),
            "--metrics=off",
            "--disable-version-check",
            "--json",
            "--quiet",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"error: semgrep exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    output = json.loads(proc.stdout)
    for error in output.get("errors", []):
        print(f"warning: semgrep: {error.get('message', error)}", file=sys.stderr)
    found: Detections = {}
    for result in output["results"]:
        metadata = result.get("extra", {}).get("metadata", {})
        _add(found, _relative(result["path"], cases), parse_cwes(metadata.get("cwe")))
    return found


def score(cases: list[Case], columns: Mapping[str, Detections]) -> dict[str, dict[str, Score]]:
    """Family -> column -> confusion counts."""
    table: dict[str, dict[str, Score]] = {}
    for family in sorted({case.family for case in cases}):
        mine = [case for case in cases if case.family == family]
        table[family] = {}
        for column, found in columns.items():
            hit = [family in found.get(case.path, set()) for case in mine]
            table[family][column] = Score(
                tp=sum(h for h, c in zip(hit, mine, strict=True) if c.label),
                fn=sum(not h for h, c in zip(hit, mine, strict=True) if c.label),
                fp=sum(h for h, c in zip(hit, mine, strict=True) if not c.label),
                tn=sum(not h for h, c in zip(hit, mine, strict=True) if not c.label),
            )
    return table


def mean_j(table: Mapping[str, Mapping[str, Score]], column: str) -> float:
    """The mean Youden J of *column* over the families of *table*."""
    return sum(row[column].j for row in table.values()) / len(table) if table else 0.0


def print_table(table: Mapping[str, Mapping[str, Score]], cases: list[Case]) -> None:
    width = 19
    print(f"{len(cases)} cases ({sum(c.label for c in cases)} true) in {len(table)} families")
    print()
    print(f"{'':<{width}}" + "".join(f"{column:^20}" for column in COLUMNS))
    print(f"{'family':<{width}}" + f"{'TPR':>6}{'FPR':>6}{'J':>6}  " * len(COLUMNS))
    for family, row in table.items():
        cells = "".join(f"{row[c].tpr:>6.2f}{row[c].fpr:>6.2f}{row[c].j:>6.2f}  " for c in COLUMNS)
        print(f"{family:<{width}}{cells}")
    print(f"{'mean J':<{width}}" + "".join(f"{mean_j(table, c):>18.2f}  " for c in COLUMNS))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=sorted(FAMILIES), help="score only this family")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--pattern-ref",
        default=PATTERN_REF,
        help=f"commit whose rules/semgrep is the 'pattern pack' column (default {PATTERN_REF})",
    )
    args = parser.parse_args()

    cases = load_manifest()
    target = CASES
    if args.family:
        cases = [case for case in cases if case.family == args.family]
        target = CASES / args.family
        if not cases:
            parser.error(f"the suite has no case of family {args.family}")
    started = time.monotonic()
    every, blocking = run_secgate(target, CASES)
    columns = {
        "secgate all": every,
        "secgate block": blocking,
        "bandit": run_bandit(target, CASES),
        "semgrep pack": run_semgrep(target, CASES),
    }
    with tempfile.TemporaryDirectory() as tmp:
        old = pattern_pack(args.pattern_ref, Path(tmp))
        columns["pattern pack"] = run_semgrep(target, CASES, old) if old is not None else {}
    table = score(cases, columns)
    if args.json:
        out = {
            "cases": len(cases),
            "families": {
                family: {column: s.as_dict() for column, s in row.items()}
                for family, row in table.items()
            },
            "mean_j": {column: round(mean_j(table, column), 3) for column in COLUMNS},
        }
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        print_table(table, cases)
        print(f"\n({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
