"""The result cache: per-file scanners skip files whose results they already know.

A built-in plugin (entry point ``cache``) whose ``tryfirst`` ``secgate_scan`` hands a per-file
scanner only the files without a cached result, then stores the new results. The key covers
the scanner's :meth:`~secgate.Scanner.cache_token` (tool version, rule-set hash, options) and
:meth:`~secgate.Scanner.tree_token` (settings read from the scanned tree), the file's path
and a SHA-256 of its content, so any of those changing is a miss.

Storage is one SQLite database (stdlib ``sqlite3``): every write is a transaction, so two runs
sharing the cache at once, or a run killed mid-write, lose nothing and corrupt nothing. Its
size is bounded: least recently used entries are evicted past ``cache-max-mb``. It stores
findings exactly as reports show them — secret scanners redact values before they get here.
A cache that cannot be opened is skipped with a warning in the scan details, never an error.

Every stored value carries an HMAC-SHA256 tag under a random key kept beside the database
(``results.key``, mode 0600): a row written by anyone who does not hold the key, or changed
after it was written, fails the check and is a miss. The cache's location is the pipeline
owner's to choose (never the scanned tree's config), and one inside the scanned root is
refused, so a pull request cannot ship a cache that answers "no findings".
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate import __version__
from secgate.deadcode import DEAD_LINES
from secgate.errors import UsageError
from secgate.jobs import LineCache, PreparedOutput, prepare_finding
from secgate.models import Finding, SkippedFile
from secgate.plugins import ScanOutput, hookimpl

if TYPE_CHECKING:
    from collections.abc import Iterable

    from secgate.plugins import ScanContext, Scanner

CACHE_FILE = "results.sqlite3"
KEY_FILE = "results.key"
_TAG_BYTES = 32
_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    size INTEGER NOT NULL,
    used INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS results_used ON results (used);
"""
# What the policy decides is never cached. `suppressed_by` is kept: at this point only the
# scanner can have set it, to an inline suppression (`inline:nosec`, `inline:nosemgrep`), and
# dropping it would make a suppressed finding block on every cache hit.
_POLICY_FIELDS = {"blocking", "decided_by"}
_TOUCH_AFTER_S = 3600  # refresh an entry's last-use time at most hourly (fewer writes)
#: SQLite result codes that mean the file is damaged or not a database: it is set aside.
_DAMAGED = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
#: Codes that mean another connection holds a lock: wait and try again.
_BUSY = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_LOCK_WAIT_S = 60.0


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def default_cache_dir() -> Path:
    """``$SECGATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/secgate``, else ``~/.cache/secgate``."""
    explicit = os.environ.get("SECGATE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "secgate"


def _cache_key(directory: Path) -> bytes:
    """The cache's HMAC key: read it, or create it atomically (two runs agree on one)."""
    path = directory / KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        key = path.read_bytes()
        if len(key) == _TAG_BYTES:
            return key
    fresh = directory / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_bytes(_TAG_BYTES))
    finally:
        os.close(fd)
    try:
        os.link(fresh, path)  # fails when another run created the key first: use theirs
    except FileExistsError:
        pass
    finally:
        fresh.unlink()
    key = path.read_bytes()
    if len(key) != _TAG_BYTES:
        # A damaged key only costs the cache's contents: replace it.
        replacement = directory / f".{KEY_FILE}.{os.getpid()}.new"
        replacement.write_bytes(secrets.token_bytes(_TAG_BYTES))
        replacement.chmod(0o600)
        replacement.replace(path)
        key = path.read_bytes()
    return key


class ResultCache:
    """Key → per-file result, in SQLite."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.path = directory / CACHE_FILE
        self.max_bytes = max_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._key = _cache_key(directory)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            # Only a damaged file (disk full, foreign file) is set aside for a fresh one; a
            # lock held by another run is not damage, and moving the file from under that
            # run would be.
            if _primary_code(exc) not in _DAMAGED:
                raise
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_suffix(f".corrupt-{int(time.time())}"))
            self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        # The timeout is SQLite's busy wait for every statement.
        db = sqlite3.connect(self.path, timeout=_LOCK_WAIT_S, isolation_level=None)
        try:
            # Switching to WAL needs the file to itself, and SQLite answers "database is
            # locked" at once, without its busy wait, while another run opens the same new
            # cache: wait for that run here.
            deadline = time.monotonic() + _LOCK_WAIT_S
            while True:
                try:
                    db.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if _primary_code(exc) not in _BUSY or time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(_SCHEMA)
            db.execute("SELECT count(*) FROM results").fetchone()  # fails fast when damaged
        except BaseException:
            db.close()
            raise
        return db

    def _tag(self, key: str, payload: bytes) -> bytes:
        message = key.encode("utf-8", "surrogatepass") + b"\0" + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The stored values of the keys that are present."""
        found: dict[str, bytes] = {}
        stale: list[str] = []
        now = int(time.time())
        wanted = list(keys)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            # The keys travel as one JSON parameter: no SQL is ever built from strings.
            rows = self._db.execute(
                "SELECT key, value, used FROM results "
                "WHERE key IN (SELECT value FROM json_each(?))",
                (json.dumps(chunk),),
            ).fetchall()
            for key, value, used in rows:
                tag, payload = bytes(value[:_TAG_BYTES]), bytes(value[_TAG_BYTES:])
                if not hmac.compare_digest(tag, self._tag(key, payload)):
                    continue  # written without the key, or changed since: a miss
                found[key] = payload
                if now - used > _TOUCH_AFTER_S:
                    stale.append(key)
        if stale:
            with self._db:
                self._db.executemany(
                    "UPDATE results SET used = ? WHERE key = ?", [(now, k) for k in stale]
                )
        return found

    def put_many(self, items: dict[str, bytes]) -> None:
        """Store values (one transaction), then evict the least recently used past the bound."""
        if not items:
            return
        now = int(time.time())
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT OR REPLACE INTO results (key, value, size, used) VALUES (?, ?, ?, ?)",
                [
                    (k, self._tag(k, v) + v, len(v) + _TAG_BYTES + len(k), now)
                    for k, v in items.items()
                ],
            )
            total = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM results").fetchone()[0]
            if total > self.max_bytes:
                target = int(self.max_bytes * 0.9)
                excess = total - target
                rows = self._db.execute("SELECT key, size FROM results ORDER BY used").fetchall()
                drop = []
                for key, size in rows:
                    if excess <= 0:
                        break
                    drop.append((key,))
                    excess -= size
                self._db.executemany("DELETE FROM results WHERE key = ?", drop)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise


#: What an entry holds and how: findings stored as :func:`secgate.jobs.prepare_finding`
#: leaves them (redacted by this secgate's rules, fingerprinted), so a hit is replayed as is.
#: Part of every key with secgate's version: an entry another version wrote is a miss.
_FORMAT = f"2|{__version__}"


def _key(token: str, path: str, digest: str) -> str:
    text = f"{_FORMAT}\0{token}\0{path}\0{digest}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _encode(findings: list[Finding], skipped: SkippedFile | None) -> bytes:
    # *findings* are prepared (redacted): the cache never holds a secret a scanner quoted.
    from secgate.secrets.redact import redact_text  # noqa: PLC0415

    data = {
        "f": [f.model_dump(mode="json", exclude=_POLICY_FIELDS) for f in findings],
        "s": redact_text(skipped.reason) if skipped is not None else None,
        "k": skipped.kind.value if skipped is not None else None,
    }
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"))


def _decode(value: bytes, rel: str) -> tuple[list[Finding], SkippedFile | None]:
    data: dict[str, Any] = json.loads(zlib.decompress(value))
    findings = [Finding.model_validate(f) for f in data["f"]]
    if data["s"] is None:
        return findings, None
    # The gap's kind as the scanner named it (rows from before kinds: guessed from the reason).
    return findings, SkippedFile.model_validate(
        {"path": rel, "reason": data["s"], "kind": data.get("k")}
    )


Details = dict[str, str | int | float | bool | None]


#: Scan details that describe what the scanner looks for (its rule set), not the work of
#: one run: an all-hit run replays them, because later steps judge by them (semgrep's taint
#: families decide which pattern findings are unconfirmed, :mod:`secgate.evidence`).
#: Counters of the run itself (``semgrep_runs``, ``candidates``...) are not replayed.
REPLAYED_DETAILS = (
    "rules",
    "registry_configs",
    "taint_families",
    "taint_suffixes",
    DEAD_LINES,  # the findings' lines were checked at scan time (secgate.deadcode)
)


def _run_row(output: ScanOutput) -> bytes:
    """The row kept per token for what a scan says about the whole run, not one file."""
    details = {
        key: value
        for key, value in output.details.items()
        if key in REPLAYED_DETAILS and (value is None or isinstance(value, str | int | float))
    }
    return zlib.compress(json.dumps({"w": output.weakenings, "d": details}).encode("utf-8"))


def _cached_run_row(value: bytes | None) -> tuple[list[str], Details]:
    """Weakenings and scan details from :func:`_run_row` (empty when absent or unreadable)."""
    if value is None:
        return [], {}
    try:
        data = json.loads(zlib.decompress(value))
    except (ValueError, zlib.error):
        return [], {}
    if not isinstance(data, dict):
        return [], {}
    lines = data.get("w")
    raw = data.get("d")
    details: Details = {}
    if isinstance(raw, dict):
        details = {
            str(key): value
            for key, value in raw.items()
            if key in REPLAYED_DETAILS and (value is None or isinstance(value, str | int | float))
        }
    return ([str(line) for line in lines] if isinstance(lines, list) else []), details


def cache_dir_for(context: ScanContext) -> Path:
    """The cache folder a scan uses: the config's ``cache-dir`` or the default."""
    return resolve_cache_dir(context.config.cache_dir, context.root)


def resolve_cache_dir(configured: str | None, root: Path) -> Path:
    """``cache-dir`` (relative to *root*) when set, else the default folder."""
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else root / path
    return default_cache_dir()


def is_inside(directory: Path, root: Path) -> bool:
    """Whether *directory* lies inside *root* (symbolic links followed)."""
    real = Path(os.path.realpath(directory))
    real_root = Path(os.path.realpath(root))
    return real == real_root or real.is_relative_to(real_root)


def refuse_cache_inside(directory: Path, root: Path) -> None:
    """Raise when a named cache folder lies inside the scanned root (symbolic links followed)."""
    if is_inside(directory, root):
        raise UsageError(
            f"the result cache {directory} is inside the scanned root {root}: a cache there "
            "could be supplied by the scanned repository; set SECGATE_CACHE_DIR (or "
            "cache-dir in the owner's policy) to a folder outside it, or use --no-cache"
        )


@hookimpl(tryfirst=True)
def secgate_scan(scanner: Scanner, context: ScanContext) -> ScanOutput | None:
    """Answer from the cache what it knows; scan only the rest; store the new results."""
    if (
        not scanner.cacheable(context.options)
        or not context.config.cache
        or context.digests is None
    ):
        return None
    try:
        cache = ResultCache(cache_dir_for(context), context.config.cache_max_mb * 1024 * 1024)
    except (OSError, sqlite3.Error) as exc:
        output = scanner.scan(context)
        details = {**output.details, "cache": f"unavailable: {exc}"}
        return dataclasses.replace(output, details=details)
    try:
        return _scan_with_cache(scanner, context, cache)
    finally:
        cache.close()


def _scan_with_cache(scanner: Scanner, context: ScanContext, cache: ResultCache) -> ScanOutput:
    token = scanner.cache_token(context.options)
    tree = scanner.tree_token(context.root)
    if tree:
        token = f"{token}|{tree}"
    assert context.digests is not None  # noqa: S101 - checked by the caller
    handled = [f for f in context.files if scanner.handles(f)]
    keys: dict[str, str] = {}
    for rel in handled:
        digest = context.digests.get(rel)
        if digest is not None:
            keys[rel] = _key(token, rel, digest)
    stored = cache.get_many(keys.values())
    findings: list[Finding] = []
    skipped: list[SkippedFile] = []
    scanned = 0
    misses: list[str] = []
    for rel in handled:
        value = stored.get(keys.get(rel, ""))
        if value is None:
            misses.append(rel)
            continue
        try:
            cached, gap = _decode(value, rel)
        except (ValueError, KeyError, zlib.error):
            misses.append(rel)  # an unreadable entry is a miss, never a crash
            continue
        findings.extend(cached)
        if gap is None:
            scanned += 1
        else:
            skipped.append(gap)
    hits = len(handled) - len(misses)
    if context.progress is not None:
        context.progress(hits, len(handled))
    details: Details = {
        "cache_hits": hits,
        "cache_misses": len(misses),
    }
    # What the scanner read from the tree's own settings (a [tool.bandit] table) and what it
    # says about the run (semgrep's taint families, which decide "unconfirmed" findings) are
    # the same for every file under this token: kept in a row of their own, so an all-hit run
    # shows them and judges exactly as the cold run did.
    weakenings_key = _key(token, "\0weakenings", "")
    if not misses:
        row = cache.get_many([weakenings_key]).get(weakenings_key)
        weakenings, run_details = _cached_run_row(row)
        return PreparedOutput.of(
            findings,
            files_scanned=scanned,
            skipped=skipped,
            details={**run_details, **details},
            version=scanner.version(),
            weakenings=weakenings,
        )

    outer = context.progress

    def progress(done: int, total: int) -> None:
        if outer is not None:
            outer(hits + done, hits + total)

    output = scanner.scan(dataclasses.replace(context, files=tuple(misses), progress=progress))
    # Prepared here, as the engine would, so that what is stored is what a hit replays.
    lines = LineCache(context.root)
    fresh = [prepare_finding(f, scanner.name, lines) for f in output.findings]
    if output.error is None:
        by_path: dict[str, list[Finding]] = {rel: [] for rel in misses}
        for finding in fresh:
            if finding.path in by_path:
                by_path[finding.path].append(finding)
        reasons = {s.path: s for s in output.skipped}
        rows = {keys[rel]: _encode(by_path[rel], reasons.get(rel)) for rel in misses if rel in keys}
        rows[weakenings_key] = _run_row(output)
        cache.put_many(rows)
    return PreparedOutput.of(
        findings + fresh,
        files_scanned=scanned + output.files_scanned,
        skipped=skipped + list(output.skipped),
        details={**output.details, **details},
        version=output.version,
        error=output.error,
        weakenings=list(output.weakenings),
        inventory=list(output.inventory),
    )
