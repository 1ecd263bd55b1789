"""The gate against the pipeline it replaces, on the Django 5.1 sdist and its requirements.

    python benchmarks/gate.py [--repeats N] [--corpus django|projects]

Measures, side by side in one run, on one tree:

  a1  bandit -r, semgrep scan (same rules), detect-secrets, pip-audit -r, one after another
  a2  the same with trufflehog3 as the secret scanner (in a virtual environment of its own:
      it pins attrs==20.3.0, which breaks semgrep)
  b   secgate check, cold (empty result cache)
  c   secgate check, warm, after editing one file
  d   secgate check on the unchanged tree with a full cache (no scanner starts)
  e   semgrep scan on an empty folder (its start-up cost)
  p   python -c pass (the interpreter's own start-up, to which d is compared)

and prints each wall time, the peak memory of each command's whole process tree (sampled from
/proc), and the ratios b/a1, b/a2, c/b, c - e and d/p. Targets (issue 19): b/a2 <= 0.42,
c/b <= 0.12, c - e <= 1 s, d <= 0.6 s, peak memory of b <= 1.5 GB.

``--corpus django`` (default) is the Django 5.1 sdist; ``--corpus projects`` is the held-out
kind of tree, several real projects' sdists side by side (``common.CORPUS``, ~5.7 MB of
Python).

pip-audit needs its online services; where they are unreachable (this machine) it spends its
time failing, so the a-pipelines are also shown without it, and b's dependency audit then uses
the offline PyPA database in ../shared/advisory-db when present (otherwise b skips it).
Downloads and tools go under benchmarks/.work/ (never committed).
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
from dataclasses import dataclass
from pathlib import Path

from common import (
    DJANGO_TREE,
    WORK,
    PeakMemory,
    corpus_tree,
    django_tree,
    secgate_config,
    secgate_rules_file,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TREE = DJANGO_TREE
VENV_BIN = Path(sys.executable).parent
#: Django 5.1's install requirements, pinned as a project using it would pin them.
REQUIREMENTS = "asgiref==3.8.1\nsqlparse==0.5.0\ntzdata==2024.1\n"
SEMGREP_FLAGS = ["--metrics=off", "--disable-version-check", "--quiet"]
#: Where the pipeline's semgrep step writes its report (to count the files it scanned).
SEMGREP_OUT = WORK / "pipeline-semgrep.json"


@dataclass
class Run:
    """One timed command."""

    seconds: float
    peak_mb: float
    code: int


def timed(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run *args* (no shell), sampling the process tree's memory every 50 ms."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    with PeakMemory(proc.pid) as memory:
        code = proc.wait()
        elapsed = time.perf_counter() - started
    return Run(seconds=elapsed, peak_mb=memory.peak_kb / 1024, code=code)


def prepare() -> None:
    """Download and unpack the sdist; install the peer tools where missing."""
    WORK.mkdir(exist_ok=True)
    (TREE / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    # Bytecode for secgate, as pip writes it when installing a wheel: an editable install
    # under PYTHONDONTWRITEBYTECODE would compile every module on every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "secgate")], check=True)
    if shutil.which("detect-secrets", path=str(VENV_BIN)) is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "detect-secrets"], check=True)
    th3 = WORK / "venv-trufflehog3"
    if not (th3 / "bin" / "trufflehog3").exists():
        subprocess.run([sys.executable, "-m", "venv", str(th3)], check=True)
        subprocess.run([str(th3 / "bin" / "pip"), "install", "-q", "trufflehog3"], check=True)


def tool(name: str) -> str:
    """A tool from this environment's bin folder."""
    path = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is not installed: pip install -e '.[all,test]'")
    return path


def pipeline_steps(secret_step: list[str], rules: Path) -> dict[str, list[str]]:
    """The commands of the pipeline secgate replaces."""
    return {
        "bandit -r": [tool("bandit"), "-r", str(TREE), "-f", "json", "-o", os.devnull, "-q"],
        # --no-git-ignore: the tree sits in benchmarks/.work/, which this repository's
        # .gitignore lists, and semgrep would skip every file of it (a user's checkout is
        # not ignored). semgrep's default .semgrepignore (tests/ and the like) still applies.
        "semgrep scan": [
            tool("semgrep"),
            "scan",
            "--config",
            str(rules),
            *SEMGREP_FLAGS,
            "--no-git-ignore",
            "--json",
            "-o",
            str(SEMGREP_OUT),
            str(TREE),
        ],
        "secrets": secret_step,
        "pip-audit -r": [
            tool("pip-audit"),
            "-r",
            str(TREE / "requirements.txt"),
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="cold runs of b (median)")
    parser.add_argument(
        "--warm-repeats", type=int, default=5, help="runs of c and e after each b (median)"
    )
    parser.add_argument(
        "--corpus",
        choices=("django", "projects"),
        default="django",
        help="the Django sdist, or several real projects' sdists in one tree",
    )
    args = parser.parse_args()
    global TREE  # noqa: PLW0603 - the tree every step of this run measures
    TREE = django_tree() if args.corpus == "django" else corpus_tree()
    prepare()
    semgrep_env = {"SEMGREP_SEND_METRICS": "off"}
    secrets_a1 = [tool("detect-secrets"), "scan", "--all-files", str(TREE)]
    secrets_a2 = [
        str(WORK / "venv-trufflehog3" / "bin" / "trufflehog3"),
        "--no-history",
        "--format",
        "JSON",
        "-o",
        os.devnull,
        str(TREE),
    ]
    results: dict[str, Run] = {}
    print(f"tree: {TREE} ({sum(1 for p in TREE.rglob('*') if p.is_file())} files)")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n"
    )

    rules = secgate_rules_file(WORK)
    for label, secret_step in (("a1", secrets_a1), ("a2", secrets_a2)):
        for step, command in pipeline_steps(secret_step, rules).items():
            if label == "a2" and step != "secrets":
                results[f"{label}:{step}"] = results[f"a1:{step}"]
                continue
            run = timed(command, env=semgrep_env)
            results[f"{label}:{step}"] = run
            print(
                f"  {label} {step:<14} {run.seconds:7.1f} s  {run.peak_mb:7.0f} MB  exit {run.code}"
            )
            if step == "semgrep scan":
                scanned = json.loads(SEMGREP_OUT.read_text())["paths"]["scanned"]
                print(f"     ({len(scanned)} files: its default .semgrepignore skips tests/)")

    # Like for like: secgate hands semgrep every file, tests/ included, which semgrep skips
    # by default when given a folder (it scans 876 of Django's 2,788 .py files). Given the
    # files by name, semgrep scans them all, as it does inside secgate.
    listed = sorted(
        "./" + p.relative_to(TREE).as_posix()
        for p in TREE.rglob("*")
        if p.is_file() and not p.is_symlink()
    )
    same_command = [*pipeline_steps(secrets_a1, rules)["semgrep scan"][:-1], "--", *listed]
    same = timed(same_command, env=semgrep_env, cwd=TREE)
    results["same-files:semgrep scan"] = same
    print(f"  (semgrep on the same files secgate scans, tests included: {same.seconds:.1f} s)")

    secgate = tool("secgate")
    with tempfile.TemporaryDirectory() as scratch:
        config = secgate_config(Path(scratch))
        empty = Path(scratch) / "empty"
        empty.mkdir()
        b_runs, c_runs, d_runs, e_runs, p_runs = [], [], [], [], []
        python_files = sorted(TREE.rglob("*.py"))
        edited = (
            TREE / "django" / "utils" / "text.py"
            if args.corpus == "django"
            else python_files[len(python_files) // 2]
        )
        original = edited.read_bytes()
        try:
            for i in range(args.repeats):
                cache = Path(scratch) / f"cache-{i}"
                env = {**semgrep_env, "SECGATE_CACHE_DIR": str(cache)}
                command = [
                    secgate,
                    "check",
                    str(TREE),
                    "--config",
                    str(config),
                    "--format",
                    "json",
                    "--output",
                    str(Path(scratch) / f"b{i}.json"),
                ]
                b_runs.append(timed(command, env=env))
                report = json.loads((Path(scratch) / f"b{i}.json").read_text())
                findings = len(report["findings"])
                for j in range(args.warm_repeats):
                    # A new edit each time, so every warm run rescans exactly one file.
                    edited.write_bytes(original + f"\n# benchmark edit {i}.{j}\n".encode())
                    c_runs.append(timed(command, env=env))
                    edited.write_bytes(original)
                    e_runs.append(
                        timed(
                            [
                                tool("semgrep"),
                                "scan",
                                "--config",
                                str(rules),
                                *SEMGREP_FLAGS,
                                "--json",
                                "-o",
                                os.devnull,
                                str(empty),
                            ],
                            env=semgrep_env,
                        )
                    )
                timed(command, env=env)  # the cache now holds the unedited file again
                for _ in range(args.warm_repeats):
                    d_runs.append(timed(command, env=env))
                    p_runs.append(timed([sys.executable, "-c", "pass"]))
        finally:
            edited.write_bytes(original)

    def median(runs: list[Run]) -> Run:
        return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]

    b, c, e = median(b_runs), median(c_runs), median(e_runs)
    d, p = median(d_runs), median(p_runs)
    print(
        f"\n  b  secgate check (cold)   {b.seconds:7.1f} s  {b.peak_mb:7.0f} MB  exit {b.code}"
        f"  ({findings} findings)"
    )
    print(f"  c  secgate check (warm)   {c.seconds:7.1f} s  {c.peak_mb:7.0f} MB  exit {c.code}")
    print(f"  d  secgate (unchanged)    {d.seconds:7.2f} s  {d.peak_mb:7.0f} MB  exit {d.code}")
    print(f"  e  semgrep, empty folder  {e.seconds:7.1f} s  {e.peak_mb:7.0f} MB")
    print(f"  p  python -c pass         {p.seconds:7.2f} s")

    def total(label: str, with_audit: bool = True) -> float:
        return sum(
            r.seconds
            for k, r in results.items()
            if k.startswith(label + ":") and (with_audit or not k.endswith("pip-audit -r"))
        )

    a1, a2 = total("a1"), total("a2")
    a1_na, a2_na = total("a1", with_audit=False), total("a2", with_audit=False)
    print(f"\n  a1 pipeline (detect-secrets)   {a1:7.1f} s   without pip-audit {a1_na:7.1f} s")
    print(f"  a2 pipeline (trufflehog3)      {a2:7.1f} s   without pip-audit {a2_na:7.1f} s")
    print("\nratios (target)")
    print(
        f"  b/a1            {b.seconds / a1:6.3f}   (without pip-audit in a: "
        f"{b.seconds / a1_na:6.3f})"
    )
    print(
        f"  b/a2            {b.seconds / a2:6.3f}   (without pip-audit in a: "
        f"{b.seconds / a2_na:6.3f})   target <= 0.42"
    )
    a2_same = a2 - results["a1:semgrep scan"].seconds + same.seconds
    print(
        f"  b/a2'           {b.seconds / a2_same:6.3f}   (a2 with semgrep on the same files as "
        f"secgate: {a2_same:.1f} s)"
    )
    print(f"  c/b             {c.seconds / b.seconds:6.3f}   target <= 0.12")
    print(f"  c - e           {c.seconds - e.seconds:6.2f} s target <= 1 s")
    print(
        f"  d/p             {d.seconds / p.seconds:6.1f}   (d = {d.seconds:.2f} s, target <= 0.6 s)"
    )
    print(f"  peak memory b   {b.peak_mb / 1024:6.2f} GB target <= 1.5 GB")
    if len(b_runs) > 1:
        print(
            f"  (b spread: {statistics.pstdev(r.seconds for r in b_runs):.2f} s over "
            f"{len(b_runs)} runs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
