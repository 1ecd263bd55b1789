"""A pull request's gate with ``--changed-only`` against semgrep's start-up and the full run.

    python benchmarks/changed_only.py [--repeats N]

The Django 5.1.15 sdist (downloaded once into benchmarks/.work/, never committed) is made
into a git repository in a temporary folder: committed whole as ``main`` (with its pinned
install requirements), then a ``feature`` branch commits a three-file change: two ``.py``
files each gain a vulnerable line, and one new file with another. Measured in one run, each
N times (the median is shown), with no result cache (``--no-cache``):

  a  semgrep on an empty folder with the rules and arguments secgate gives it (its
     start-up: the Python wrapper, rule parsing, semgrep-core)
  b  secgate check --new-since main --changed-only
  c  secgate check --new-since main (the full cold run)

Prints the wall times, b/a (target <= 2) and b/c (target <= 0.15) with met/unmet, whether
b's verdict equals c's (status and the blocking findings), and where b's time went (each
scanner's duration in the working tree's scan, from b's JSON report).

The dependency audit uses the offline PyPA database in ../shared/advisory-db when present
(as benchmarks/gate.py does); without it the audit is skipped.
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
from typing import Any

from common import django_tree, secgate_config, secgate_rules_file

from secgate.jobs import default_jobs
from secgate.scanners.semgrep import SemgrepOptions, find_binary
from secgate.scanners.semgrep.process import build_argv, child_environment

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = Path(sys.executable).parent
REQUIREMENTS = "asgiref==3.8.1\nsqlparse==0.5.0\ntzdata==2024.1\n"
#: The change under review: two edited modules and one new file, each with a finding.
EDITS = {
    "django/utils/text.py": "\n\ndef _run():\n    import os\n\n    os.system(input())  # new\n",
    "django/core/files/temp.py": "\n\ndef _call():\n    import subprocess\n\n"
    "    subprocess.call(input(), shell=True)  # new\n",
}
#: The new file: a cloud key (split here so this file holds none).
NEW_FILE = ("django/utils/feature_keys.py", 'AWS_KEY = "' + "AKIA" + 'Q3XV7TZ2MKW5RJ4N"\n')
TARGETS = {"b/a": 2.0, "b/c": 0.15}


def git(cwd: Path, *args: str) -> None:
    """git with a fixed identity, no prompt, quiet."""
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def make_repository(scratch: Path) -> Path:
    """The sdist as a git repository: ``main`` holds it, ``feature`` the three-file change."""
    tree = scratch / "django"
    shutil.copytree(django_tree(), tree, symlinks=True)
    (tree / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "Django 5.1.15 sdist")
    git(tree, "checkout", "-q", "-b", "feature")
    for rel, addition in EDITS.items():
        path = tree / rel
        path.write_text(path.read_text(encoding="utf-8") + addition, encoding="utf-8")
    (tree / NEW_FILE[0]).write_text(NEW_FILE[1], encoding="utf-8")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "a three-file change")
    return tree


def timed(args: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall time and exit code of *args* (no shell, output discarded)."""
    started = time.perf_counter()
    code = subprocess.run(
        args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    ).returncode
    return time.perf_counter() - started, code


def verdict_key(report: dict[str, Any]) -> tuple[object, ...]:
    """What must be equal: the status and the blocking findings."""
    blocking = sorted(
        (f["rule_id"], f["path"], f["line"], f["fingerprint"])
        for f in report["findings"]
        if f["blocking"]
    )
    return report["verdict"], blocking


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of a, b and c (median)")
    args = parser.parse_args()
    semgrep = find_binary()
    secgate = shutil.which("secgate", path=str(VENV_BIN)) or shutil.which("secgate")
    if semgrep is None or secgate is None:
        print("semgrep and secgate must be installed: pip install -e '.[all,test]'")
        return 2
    # Bytecode for secgate, as a wheel install has it (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module on every run).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "secgate")], check=True)
    with tempfile.TemporaryDirectory(prefix="secgate-bench-changed-") as scratch_name:
        scratch = Path(scratch_name)
        tree = make_repository(scratch)
        config = secgate_config(scratch)
        empty = scratch / "empty"
        empty.mkdir()
        home = scratch / "semgrep-home"
        home.mkdir()
        rules = secgate_rules_file(scratch)
        jobs = default_jobs()
        start_up = [
            *build_argv(semgrep, SemgrepOptions(), [str(rules)], scratch / "a.sarif", jobs),
            str(empty),
        ]
        semgrep_env = child_environment(semgrep, home)
        env = {**os.environ, "SECGATE_CACHE_DIR": str(scratch / "no-cache")}
        common = [secgate, "check", str(tree), "--config", str(config), "--no-cache"]
        common += ["--new-since", "main", "--format", "json"]
        files = sum(1 for p in tree.rglob("*") if p.is_file() and ".git" not in p.parts)
        print(f"tree: Django 5.1.15 sdist, {files} files, a git repository; change: 3 files")
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f}, {args.repeats} runs each (median)\n"
        )
        times: dict[str, list[float]] = {"a": [], "b": [], "c": []}
        reports: dict[str, dict[str, Any]] = {}
        for i in range(args.repeats):
            # Interleaved, so that each round's three figures share the machine's load.
            seconds, code = timed(start_up, cwd=empty, env=semgrep_env)
            if code not in (0, 1):
                print(f"semgrep on an empty folder exited {code}")
                return 2
            times["a"].append(seconds)
            for label, extra in (("b", ["--changed-only"]), ("c", [])):
                out = scratch / f"{label}{i}.json"
                seconds, code = timed([*common, *extra, "--output", str(out)], cwd=tree, env=env)
                if code not in (0, 1):
                    print(f"{label}: secgate exited {code}")
                    return 2
                times[label].append(seconds)
                reports[label] = json.loads(out.read_text(encoding="utf-8"))
        a, b, c = (statistics.median(times[k]) for k in "abc")
        labels = {
            "a": "semgrep start-up, empty folder",
            "b": "secgate --new-since main --changed-only",
            "c": "secgate --new-since main (full, cold)",
        }
        for key, value in (("a", a), ("b", b), ("c", c)):
            runs = ", ".join(f"{t:.2f}" for t in times[key])
            print(f"  {key}  {labels[key]:<42} {value:7.2f} s   ({runs})")
        print("\nratios (target)")
        for name, ratio in (("b/a", b / a), ("b/c", b / c)):
            target = TARGETS[name]
            state = "met" if ratio <= target else "unmet"
            print(f"  {name}   {ratio:6.3f}   target <= {target:g}   {state}")
        fast, full = reports["b"], reports["c"]
        equal = verdict_key(fast) == verdict_key(full)
        blocking = len(verdict_key(fast)[1])
        print(
            f"\nverdicts equal: {'yes' if equal else 'NO'} "
            f"(b {fast['verdict']}, c {full['verdict']}, {blocking} blocking in b)"
        )
        print(f"b's scope: {fast.get('scope')}")
        print("b's scanners (this side of the comparison):")
        for result in fast["scanners"]:
            print(
                f"  {result['name']:<10} {result['status']:<8} "
                f"{result.get('duration_s', 0.0):6.2f} s  "
                f"{result.get('coverage', {}).get('files_scanned', 0)} files"
            )
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())
