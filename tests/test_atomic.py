"""Nothing lost: files secgate writes survive a SIGKILL in the middle of writing them."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secgate.baseline import load
from secgate.cache import CACHE_FILE, ResultCache
from tests.conftest import REPO

BASELINE_WRITER = """
import sys
from pathlib import Path
from secgate.baseline import write
from secgate.models import BaselineEntry
path = Path(sys.argv[1])
n = 0
print("ready", flush=True)
while True:
    n += 1
    entries = [BaselineEntry(scanner="s", rule_id=f"R{n}", path=f"f{i}.py",
                             fingerprint=f"{n:08x}{i:024x}", count=1, message="x" * 200)
               for i in range(3000)]
    write(path, entries)
"""

CACHE_WRITER = """
import sys
from pathlib import Path
from secgate.cache import ResultCache
cache = ResultCache(Path(sys.argv[1]), max_bytes=10**9)
n = 0
print("ready", flush=True)
while True:
    n += 1
    cache.put_many({f"k{n}-{i}": b"v" * 2000 for i in range(500)})
"""


def _kill_mid_write(code: str, target: Path, delay: float) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 0.7, 1.1])
def test_sigkill_while_writing_a_baseline_leaves_a_whole_file(tmp_path: Path, delay: float) -> None:
    target = tmp_path / "baseline.json"
    target.write_text(json.dumps({"secgate_baseline": 1, "entries": []}))
    _kill_mid_write(BASELINE_WRITER, target, delay)
    entries = load(target)  # parses: the old file or a complete new one, never half
    assert len(entries) in (0, 3000)
    leftovers = [p for p in tmp_path.iterdir() if p.name != "baseline.json"]
    assert all(p.name.endswith(".tmp") for p in leftovers)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 0.9])
def test_sigkill_while_writing_the_cache_leaves_it_consistent(tmp_path: Path, delay: float) -> None:
    ResultCache(tmp_path, max_bytes=10**9).put_many({"before": b"kept"})
    _kill_mid_write(CACHE_WRITER, tmp_path, delay)
    db = sqlite3.connect(tmp_path / CACHE_FILE)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    db.close()
    assert (count - 1) % 500 == 0  # whole transactions only
    cache = ResultCache(tmp_path, max_bytes=10**9)
    assert cache.get_many(["before"]) == {"before": b"kept"}
