"""Benchmark secgate's secret detector on one 1 MB line, next to detect-secrets, in one run.

    python benchmarks/secrets_long_line.py             # both lines, secgate and detect-secrets
    python benchmarks/secrets_long_line.py --mb 4 --skip-peer

A hostile repository can put every key on one line (a minified bundle, a generated file).
Detection must stay linear in the line's length (issue 13 §2: 1,000 keys on a 21 KB line
took 15.8 s, 2,000 over 110 s). Two lines are built at run time (no key is stored here):

* a line of fake AWS access key ids (about 50,000 keys per MB), space-separated;
* a line of the same size holding no key (minified-code-like text).

For each, the figures are: secgate's detector alone (``Detector.scan_bytes``), the secrets
scanner as ``secgate check`` runs it (detector plus redacted findings, on a tree holding the
one file), and, when detect-secrets is available, ``SecretsCollection.scan_file`` on the same
file (in a child process, given ``--peer-timeout`` seconds per line), with the ratio.
detect-secrets is installed into benchmarks/.work/detect-secrets (not the project's
environment) when it is not importable.
"""

# ruff: noqa: S311, PLC0415 - seeded fake data, the detector and peer load on demand

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import WORK

PEER_DIR = WORK / "detect-secrets"
_B32 = string.ascii_uppercase + "234567"


def key_line(size: int, seed: int = 1) -> tuple[bytes, int]:
    """About *size* bytes of space-separated fake AWS key ids, and how many keys it holds."""
    rng = random.Random(seed)
    keys: list[str] = []
    length = 0
    while length < size:
        body = "".join(rng.choice(_B32) for _ in range(16))
        keys.append("AKIA" + body)
        length += 21
    return " ".join(keys).encode(), len(keys)


def plain_line(size: int, seed: int = 2) -> bytes:
    """About *size* bytes of minified-code-like text with no key in it."""
    rng = random.Random(seed)
    words = ["var", "function", "return", "token", "key", "value", "data", "if", "else"]
    parts: list[str] = []
    length = 0
    while length < size:
        part = f"{rng.choice(words)}{rng.randrange(1000)}={rng.randrange(100)};"
        parts.append(part)
        length += len(part)
    return "".join(parts).encode()


_PEER_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
with default_settings():
    collection = SecretsCollection()
    started = time.perf_counter()
    collection.scan_file(sys.argv[1])
    elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "secrets": sum(1 for _ in collection)}))
"""


def detect_secrets_ready() -> bool:
    """Whether detect-secrets imports, from the environment or benchmarks/.work (installed
    there with pip when missing: the project's environment is left alone)."""
    probe = [
        sys.executable,
        "-c",
        "import sys; sys.path.insert(0, sys.argv[1]); import detect_secrets",
    ]
    if subprocess.run([*probe, str(PEER_DIR)], capture_output=True, check=False).returncode == 0:
        return True
    print(f"installing detect-secrets into {PEER_DIR} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--target", str(PEER_DIR), "detect-secrets"],
        check=False,
    )
    return subprocess.run([*probe, str(PEER_DIR)], capture_output=True, check=False).returncode == 0


def time_detector(data: bytes) -> tuple[float, int]:
    from secgate.secrets.engine import Detector
    from secgate.secrets.rules import load_rules

    detector = Detector(load_rules().rules)
    started = time.perf_counter()
    hits = detector.scan_bytes(data + b"\n", "bundle.txt").hits
    return time.perf_counter() - started, len(hits)


def time_scanner(path: Path) -> tuple[float, int]:
    """The secrets scanner on a tree holding only *path*, as ``secgate check`` runs it."""
    from secgate.config import Config
    from secgate.plugins import ScanContext
    from secgate.scanners.secrets import SecretsOptions, SecretsScanner

    context = ScanContext(
        root=path.parent, files=(path.name,), options=SecretsOptions(), config=Config()
    )
    started = time.perf_counter()
    output = SecretsScanner().scan(context)
    return time.perf_counter() - started, len(output.findings)


def time_peer(path: Path, timeout: float) -> tuple[float, int | None]:
    """detect-secrets' ``scan_file`` on *path* in a child process: (seconds, secrets found);
    ``(timeout, None)`` when it did not finish in time."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _PEER_SCRIPT, str(path), str(PEER_DIR)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return timeout, None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), int(result["secrets"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=1.0, help="length of each line, in MB")
    parser.add_argument("--skip-peer", action="store_true", help="do not run detect-secrets")
    parser.add_argument(
        "--peer-timeout", type=float, default=600, help="seconds detect-secrets gets per line"
    )
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    peer = not args.skip_peer and detect_secrets_ready()
    if not args.skip_peer and not peer:
        print("detect-secrets could not be installed: peer figures skipped")
    keys, count = key_line(size)
    lines = {f"{len(keys):,} bytes, {count:,} keys": keys, "same size, no key": plain_line(size)}
    with tempfile.TemporaryDirectory(prefix="secgate-long-line-") as folder:
        for label, data in lines.items():
            path = Path(folder) / "bundle.txt"
            path.write_bytes(data + b"\n")
            print(f"== one line: {label}", flush=True)
            seconds, hits = time_detector(data)
            print(f"  {'secgate detector (scan_bytes)':<36} {seconds:8.2f} s  {hits:>7,} hits")
            print(f"  {'':<36} {len(data) / seconds / 1e6:8.2f} MB/s")
            scan_seconds, findings = time_scanner(path)
            print(
                f"  {'secgate secrets scanner':<36} {scan_seconds:8.2f} s  {findings:>7,} findings"
            )
            if peer:
                peer_seconds, peer_hits = time_peer(path, args.peer_timeout)
                more = "" if peer_hits is not None else ">"
                found = f"{peer_hits:>7,} secrets" if peer_hits is not None else "did not finish"
                print(f"  {'detect-secrets scan_file':<36} {more}{peer_seconds:7.2f} s  {found}")
                print(
                    f"  ratio detect-secrets / secgate detector: {more}"
                    f"{peer_seconds / seconds:,.1f}x; / secgate scanner: "
                    f"{more}{peer_seconds / scan_seconds:,.1f}x",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
