"""What the benchmarks share: the Django sdist they run on, process-tree memory, the rules.

Every benchmark measures the same unpacked sdist (downloaded once into benchmarks/.work/)
and samples the resident memory of a command's whole process tree (worker processes and
semgrep's core included), from /proc.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import threading
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
DJANGO = "Django==5.1.15"
DJANGO_TREE = WORK / "django-5.1.15"
#: The offline PyPA advisory database beside the project, when present.
SHARED_DB = Path(__file__).resolve().parents[2] / "shared" / "advisory-db" / "pypa" / "vulns"


def django_tree() -> Path:
    """The unpacked Django 5.1.15 sdist; downloaded and unpacked on first use."""
    if DJANGO_TREE.is_dir():
        return DJANGO_TREE
    WORK.mkdir(parents=True, exist_ok=True)
    archives = list(WORK.glob("[Dd]jango-5.1.15.tar.gz"))
    if not archives:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                DJANGO,
                "-d",
                str(WORK),
            ],
            check=True,
        )
        archives = list(WORK.glob("[Dd]jango-5.1.15.tar.gz"))
    with tarfile.open(archives[0]) as archive:
        archive.extractall(WORK, filter="data")
    unpacked = next(p for p in WORK.iterdir() if p.is_dir() and p.name.lower() == DJANGO_TREE.name)
    if unpacked != DJANGO_TREE:
        unpacked.rename(DJANGO_TREE)
    return DJANGO_TREE


#: The held-out kind of corpus (issue 19): several real projects' sdists in one tree.
CORPUS = ("celery==5.4.0", "requests==2.32.3", "flask==3.0.3", "werkzeug==3.0.6", "jinja2==3.1.4")
CORPUS_TREE = WORK / "corpus"


def corpus_tree() -> Path:
    """The :data:`CORPUS` sdists unpacked side by side under one folder (first use downloads)."""
    if CORPUS_TREE.is_dir():
        return CORPUS_TREE
    downloads = WORK / "corpus-sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            *("-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"),
            *CORPUS,
            *("-d", str(downloads)),
        ],
        check=True,
    )
    staging = WORK / "corpus.partial"
    staging.mkdir(exist_ok=True)
    for archive in sorted(downloads.glob("*.tar.gz")):
        with tarfile.open(archive) as handle:
            handle.extractall(staging, filter="data")
    staging.rename(CORPUS_TREE)
    return CORPUS_TREE


def tree_rss_kb(root_pid: int) -> int:
    """Resident memory, in kB, of *root_pid* and every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            with (entry / "status").open(encoding="ascii", errors="replace") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields["VmRSS"].split()[0]) if "VmRSS" in fields else 0
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class PeakMemory:
    """The peak resident memory (kB) of *pid*'s process tree while the ``with`` block runs,
    sampled from /proc every *interval* seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self._done.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def secgate_rules_file(directory: Path) -> Path:
    """secgate's semgrep rule pack as the one config file its semgrep scanner gives semgrep.

    semgrep loads the pack's 62 rule files in ~12 s but the same rules in one file in under a
    second; every benchmark gives semgrep the one file, so no side pays for the other's layout.
    """
    from secgate.scanners.semgrep import SemgrepOptions, load_rule_set  # noqa: PLC0415

    path = directory / "secgate-rules.yaml"
    load_rule_set(SemgrepOptions(), Path(__file__).resolve().parent.parent).write_config(path, ())
    return path


def secgate_config(directory: Path) -> Path:
    """The gate benchmarks' config: every scanner, the offline database when there is one."""
    lines = ["exclude = []", "relax-test-code = false"]
    if SHARED_DB.is_dir():
        lines += ["[scanners.pip-audit]", f"vuln-db = '{SHARED_DB}'"]
    else:
        lines.insert(0, 'skip = ["pip-audit"]')
    path = directory / "secgate.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
