"""Benchmark secgate's secret detector against detect-secrets, side by side, in one run.

    python benchmarks/secrets_bench.py            # everything (~15 min: detect-secrets is slow)
    python benchmarks/secrets_bench.py --generated-mb 50 --skip-peer

(a) Throughput (MB/s) on the Django 5.1.15 sdist and on a generated tree of source-like files
    (200 MB by default), secgate pinned to one core (``taskset -c 0``, jobs=1) and not
    pinned (the secrets scanner is one process; the engine's file collection is not), next
    to ``detect-secrets scan --all-files`` (which uses every core) on the same trees.
(b) Noise: every secgate hit on Django (a tree with no real secret), with the rule that fired.
(c) Recall on detect-secrets' own test data (../shared/corpora/detect-secrets-test_data, skipped
    when absent): the hits each tool has that the other has not, judged by the hand-made ground
    truth in tests/fixtures/secrets/detect_secrets_truth.toml.

Downloads and generated trees live in benchmarks/.work/ (gitignored) and are reused.
detect-secrets is installed into the running environment when missing (it is the peer tool).
"""

# ruff: noqa: S311, PLC0415 - seeded fake data; the tests' token builders load lazily

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from common import WORK, django_tree

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TRUTH = REPO / "tests" / "fixtures" / "secrets" / "detect_secrets_truth.toml"

sys.path.insert(0, str(REPO / "tests" / "secrets"))  # the fake-token builders of the tests


def corpus_dir() -> Path | None:
    for folder in (REPO, *REPO.parents):
        candidate = folder / ".." / "shared" / "corpora" / "detect-secrets-test_data"
        if candidate.is_dir():
            return candidate.resolve()
    return None


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- trees


SOURCE_KINDS = {".py": "py", ".js": "js", ".html": "html", ".txt": "txt", ".css": "css"}


def _source_blocks(django: Path) -> dict[str, list[list[str]]]:
    """Django's text files split into lines, by kind: real code's density of keywords."""
    blocks: dict[str, list[list[str]]] = {kind: [] for kind in SOURCE_KINDS.values()}
    for path in sorted(django.rglob("*")):
        kind = SOURCE_KINDS.get(path.suffix)
        if kind and path.is_file():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            if len(lines) >= 20:
                blocks[kind].append(lines)
    return blocks


def ensure_generated(megabytes: int, django: Path) -> tuple[Path, list[tuple[str, str]]]:
    """A deterministic tree of ~*megabytes* MB of source-like files, with a few planted secrets.

    Each file is a patchwork of contiguous blocks of lines cut from Django's own files of
    the same kind (Python, JavaScript, HTML, text, CSS), so keyword density, line lengths
    and string literals are those of real code; one file in 400 gets a provider token in
    its real format (built by the tests' generators) to check recall at scale.
    """
    from secret_samples import SAMPLES

    root = WORK / f"generated-{megabytes}mb"
    marker = root / ".complete-v2"
    planted_file = WORK / f"generated-{megabytes}mb.planted.json"
    if marker.is_file() and planted_file.is_file():
        return root, [tuple(x) for x in json.loads(planted_file.read_text())]  # type: ignore[misc]
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(20240506)
    blocks = _source_blocks(django)
    kinds = ["py"] * 6 + ["js", "js", "html", "txt", "css"]
    target = megabytes * 1_000_000
    written = 0
    index = 0
    planted: list[tuple[str, str]] = []
    plant_rules = sorted(r for r in SAMPLES if not r.startswith("generic-"))
    while written < target:
        kind = kinds[index % len(kinds)]
        folder = root / f"pkg{index // 400:03d}" / f"mod{index // 20 % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines: list[str] = []
        for _ in range(rng.randint(1, 3)):
            source = rng.choice(blocks[kind])
            first = rng.randrange(len(source))
            lines.extend(source[first : first + rng.randint(60, 300)])
        path = folder / f"file_{index}.{kind}"
        if index % 400 == 7:  # one planted secret in every 400 files
            rule_id = plant_rules[len(planted) % len(plant_rules)]
            name, content, _secret = SAMPLES[rule_id].positive(random.Random(index))
            lines.insert(len(lines) // 2, content.rstrip("\n"))
            path = folder / f"planted_{index}_{name.replace('/', '_')}"
            planted.append((path.relative_to(root).as_posix(), rule_id))
        text = "\n".join(lines) + "\n"
        path.write_text(text)
        written += len(text.encode())
        index += 1
    marker.write_text(str(written))
    planted_file.write_text(json.dumps(planted))
    return root, planted


# --------------------------------------------------------------------------- runners


SECGATE_RUNNER = """
import json, sys, time
import secgate
from secgate.config import Config
root, jobs = sys.argv[1], int(sys.argv[2])
started = time.perf_counter()
config = Config(respect_gitignore=False, cache=False)  # measure scanning, not the cache
verdict = secgate.check(root, config=config, scanners=["secrets"], jobs=jobs)
elapsed = time.perf_counter() - started
result = verdict.scanner("secrets")
print(json.dumps({
    "check_seconds": elapsed,
    "scan_seconds": result.duration_s,
    "status": result.status.value,
    "files": result.coverage.files_scanned,
    "skipped": len(result.coverage.skipped),
    "engine": result.details.get("regex_engine"),
    "findings": [
        {"rule": f.rule_id, "path": f.path, "line": f.line,
         "redacted": f.properties.get("redacted"),
         "suppressed": f.suppressed_by}
        for f in verdict.findings
    ],
}))
"""


def run_secgate(root: Path, *, one_core: bool) -> dict[str, object]:
    cmd = [sys.executable, "-c", SECGATE_RUNNER, str(root), "1" if one_core else "0"]
    if one_core:
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
    else:
        cmd[-1] = str(len(os.sched_getaffinity(0)))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def detect_secrets_bin() -> str | None:
    found = shutil.which("detect-secrets", path=str(Path(sys.executable).parent)) or shutil.which(
        "detect-secrets"
    )
    if found:
        return found
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "detect-secrets"], check=False
    )
    if proc.returncode != 0:
        return None
    return shutil.which("detect-secrets", path=str(Path(sys.executable).parent))


def run_detect_secrets(binary: str, root: Path) -> tuple[float, dict[str, list[dict[str, object]]]]:
    started = time.perf_counter()
    out = subprocess.run(
        [binary, "scan", "--all-files", "."], cwd=root, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    return elapsed, json.loads(out.stdout)["results"]


def mbps(size: int, seconds: float) -> float:
    return size / 1e6 / seconds if seconds > 0 else float("inf")


# --------------------------------------------------------------------------- sections


def throughput(name: str, root: Path, peer: str | None) -> dict[str, object]:
    size = tree_bytes(root)
    print(f"\n== (a) throughput: {name} ({size / 1e6:.1f} MB, {count_files(root):,} files)")
    one = run_secgate(root, one_core=True)
    all_cores = run_secgate(root, one_core=False)
    for label, run in (
        ("secgate, 1 core (taskset, jobs=1)", one),
        ("secgate, not pinned", all_cores),
    ):
        print(
            f"  {label:<36} scan {run['scan_seconds']:7.2f} s = "
            f"{mbps(size, run['scan_seconds']):8.1f} MB/s   "
            f"check() {run['check_seconds']:6.2f} s = "
            f"{mbps(size, run['check_seconds']):7.1f} MB/s"
            f"   ({run['files']} files, {run['skipped']} skipped, engine {run['engine']})"
        )
    result: dict[str, object] = {"size": size, "one": one, "all": all_cores}
    if peer:
        seconds, hits = run_detect_secrets(peer, root)
        result["peer_seconds"], result["peer_hits"] = seconds, hits
        print(
            f"  {'detect-secrets scan --all-files':<36} {seconds:12.2f} s = "
            f"{mbps(size, seconds):8.2f} MB/s"
        )
        for label, run in (("1 core", one), ("not pinned", all_cores)):
            ratio = seconds / float(run["check_seconds"])  # type: ignore[arg-type]
            print(f"  ratio secgate ({label}) / detect-secrets: {ratio:,.0f}x (check() wall time)")
    return result


def noise(result: dict[str, object]) -> None:
    run = result["one"]
    findings = [f for f in run["findings"] if not f["suppressed"]]  # type: ignore[index]
    print(f"\n== (b) noise on Django 5.1.15 (no real secret there): secgate {len(findings)} hit(s)")
    for f in findings:
        print(f"  {f['path']}:{f['line']}  {f['rule']}  {f['redacted']}")
    if "peer_hits" in result:
        hits = result["peer_hits"]
        total = sum(len(v) for v in hits.values())  # type: ignore[union-attr]
        print(f"  detect-secrets: {total} hit(s) on {len(hits)} file(s)")  # type: ignore[arg-type]


def recall(peer: str | None) -> None:
    corpus = corpus_dir()
    print("\n== (c) recall on detect-secrets' test data")
    if corpus is None:
        print("  skipped: ../shared/corpora/detect-secrets-test_data is absent")
        return
    truth = tomllib.loads(TRUTH.read_text())
    label = {(h["file"], h["line"]): h for h in truth["hits"]}
    not_secret_files = set(truth.get("not-secret-files", []))

    def judged(key: tuple[str, int]) -> str:
        if key in label:
            h = label[key]
            if not h["real"]:
                return "not a secret: " + h["why"]
            return ("REAL: " if h.get("supported") else "real, unsupported kind: ") + h["why"]
        if key[0] in not_secret_files:
            return "not a secret: detect-secrets baseline entry (hashed secret)"
        return "not in the ground truth"

    ours_run = run_secgate(corpus, one_core=True)
    ours = {(f["path"], f["line"]) for f in ours_run["findings"] if not f["suppressed"]}  # type: ignore[index]
    allowed = {(f["path"], f["line"]) for f in ours_run["findings"] if f["suppressed"]}  # type: ignore[index]
    if peer:
        _, hits = run_detect_secrets(peer, corpus)
        theirs = {(path, h["line_number"]) for path, items in hits.items() for h in items}
    else:
        theirs = set(label)
        print("  (detect-secrets not run: using the hits recorded in the ground truth)")
    real = {k for k, h in label.items() if h["real"]}
    supported = {k for k, h in label.items() if h["real"] and h.get("supported")}
    print(
        f"  detect-secrets: {len(theirs)} lines, {len(theirs & real)} real, "
        f"{len(theirs - real)} false positives"
    )
    print(
        f"  secgate:        {len(ours)} lines, {len(ours & real)} real, "
        f"{len(ours - real)} false positives ({len(allowed)} more reported as inline-allowed)"
    )
    missed = sorted(supported & theirs - ours)
    print(
        "  real secrets of supported kinds found by detect-secrets but not by secgate: "
        f"{len(missed)}"
    )
    for key in missed:
        print(f"    {key[0]}:{key[1]}  {judged(key)}")
    print("  found only by detect-secrets:")
    for key in sorted(theirs - ours):
        print(f"    {key[0]}:{key[1]}  {judged(key)}")
    print("  found only by secgate:")
    for key in sorted(ours - theirs):
        print(f"    {key[0]}:{key[1]}  {judged(key)}")


def planted_recall(run: dict[str, object], planted: list[tuple[str, str]]) -> None:
    found = {(f["path"], f["rule"]) for f in run["findings"]}  # type: ignore[index]
    hit = sum(1 for item in planted if tuple(item) in found)
    print(f"  planted provider secrets in the generated tree found: {hit}/{len(planted)}")
    extra = [f for f in run["findings"] if not str(f["path"]).split("/")[-1].startswith("planted_")]  # type: ignore[index]
    print(f"  hits outside planted files (noise): {len(extra)}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generated-mb", type=int, default=200, help="size of the generated tree")
    parser.add_argument("--skip-peer", action="store_true", help="do not run detect-secrets")
    args = parser.parse_args()
    peer = None if args.skip_peer else detect_secrets_bin()
    if not args.skip_peer and peer is None:
        print("detect-secrets could not be installed: peer figures skipped")
    django = django_tree()
    generated, planted = ensure_generated(args.generated_mb, django)
    django_result = throughput("Django 5.1.15 sdist", django, peer)
    generated_result = throughput(f"generated {args.generated_mb} MB tree", generated, peer)
    planted_recall(generated_result["one"], planted)  # type: ignore[arg-type]
    noise(django_result)
    recall(peer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
