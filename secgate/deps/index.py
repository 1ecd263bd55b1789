"""The index of a database, built once per database and cached by the hash of its content.

Loading every record costs about a second for the PyPA snapshot, so the index (package
name to the records that affect it, severities already computed) is built once per
database and cached under ``$XDG_CACHE_HOME/secgate/osv-index/`` by the hash of the
database's content: an unchanged database is never parsed twice, a changed one never
reuses a stale index.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from secgate.atomic import atomic_write_bytes
from secgate.deps.database import (
    DatabaseError,
    Provenance,
    SkippedRecord,
    database_files,
    database_hash,
    database_records,
    parse_timestamp,
    provenance_from_json,
    provenance_json,
)
from secgate.deps.matching import Advisory, affects_version
from secgate.deps.records import RECORD_SUFFIXES, RecordError, advisory_from_record, parse_record
from secgate.deps.versions import canonical_version, version_key

#: Bumped whenever the cached index layout or what goes into it changes.
INDEX_FORMAT = 3


@dataclass
class _IndexBuilder:
    advisories: list[dict[str, Any]] = field(default_factory=list)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)
    withdrawn: int = 0
    ignored: int = 0
    newest: datetime | None = None

    def add(self, name: str, data: bytes) -> None:
        try:
            raw = parse_record(data, name)
            advisory = advisory_from_record(raw)
        except RecordError as exc:
            self.skipped.append(SkippedRecord(name, str(exc)))
            return
        assert isinstance(raw, Mapping)  # advisory_from_record checked it  # noqa: S101
        stamp = parse_timestamp(raw.get("modified"))
        if stamp is not None and (self.newest is None or stamp > self.newest):
            self.newest = stamp
        if advisory is None:
            if raw.get("withdrawn"):
                self.withdrawn += 1
            else:
                self.ignored += 1
            return
        position = len(self.advisories)
        self.advisories.append(advisory.to_json())
        for key in sorted({a.name for a in advisory.affected}):
            self.by_name.setdefault(key, []).append(position)


class OsvIndex:
    """A loaded database: advisories by package name, and the provenance."""

    def __init__(
        self,
        provenance: Provenance,
        rows: list[dict[str, Any]],
        by_name: dict[str, list[int]],
        *,
        cache: str = "none",
    ) -> None:
        self.provenance = provenance
        self._rows = rows
        self._by_name = by_name
        self._loaded: dict[int, Advisory] = {}
        self.cache = cache
        """``hit`` (index read from the cache), ``built`` (and cached), or ``none``."""

    def __len__(self) -> int:
        return len(self._rows)

    def packages(self) -> list[str]:
        """Every (normalised) package name some advisory affects."""
        return sorted(self._by_name)

    def advisories_for(self, name: str) -> list[Advisory]:
        """Every advisory with an entry for the PyPI package *name*."""
        found = []
        for position in self._by_name.get(canonicalize_name(name), ()):
            advisory = self._loaded.get(position)
            if advisory is None:
                advisory = self._loaded[position] = Advisory.from_json(self._rows[position])
            found.append(advisory)
        return found

    def matching(self, name: str, version: str) -> list[Advisory]:
        """The advisories that affect *name* at *version*.

        Matching runs on the index rows as loaded; only matches become objects.
        """
        key = canonicalize_name(name)
        version_sort_key, canonical = version_key(version), canonical_version(version)
        found = []
        for position in self._by_name.get(key, ()):
            row = self._rows[position]
            if any(
                a["name"] == key
                and affects_version(version_sort_key, canonical, a["ranges"], a["versions"])
                for a in row["affected"]
            ):
                advisory = self._loaded.get(position)
                if advisory is None:
                    advisory = self._loaded[position] = Advisory.from_json(row)
                found.append(advisory)
        return found


def cache_home() -> Path:
    """secgate's cache folder: ``$SECGATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/secgate``,
    else ``~/.cache/secgate`` (the same folder as the result cache)."""
    from secgate.cache import default_cache_dir  # noqa: PLC0415 - sqlite3 only when needed

    return default_cache_dir()


def _index_path(cache_dir: Path, content_hash: str) -> Path:
    key = hashlib.sha256(f"osv-index-{INDEX_FORMAT}\x00{content_hash}".encode()).hexdigest()
    return cache_dir / "osv-index" / f"{key[:40]}.json"


def _read_cached_index(path: Path, content_hash: str, source: str) -> OsvIndex | None:
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != INDEX_FORMAT or data.get("content_hash") != content_hash:
            return None
        provenance = provenance_from_json(data["provenance"], source)
        return OsvIndex(provenance, data["advisories"], data["by_name"], cache="hit")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a missing or damaged cache entry is rebuilt, never trusted


def load_database(
    path: Path, *, cache_dir: Path | None = None, source: str | None = None
) -> OsvIndex:
    """Load the database at *path* (folder or zip), through the index cache.

    ``cache_dir`` defaults to :func:`cache_home`; pass a folder that does not exist and
    cannot be created to disable caching (the index is then built every time). Corrupt
    records are skipped and listed in ``provenance.skipped``; a database with no usable
    record at all raises :class:`DatabaseError`.
    """
    label = source or str(path)
    files = database_files(path)
    content_hash = database_hash(files)
    cache_root = cache_dir if cache_dir is not None else cache_home()
    index_file = _index_path(cache_root, content_hash)
    cached = _read_cached_index(index_file, content_hash, label)
    if cached is not None:
        _check_usable(cached.provenance, path)
        return cached
    builder = _IndexBuilder()
    for name, data, error in database_records(files):
        if data is None:
            builder.skipped.append(SkippedRecord(name, error))
        elif name.lower().endswith(RECORD_SUFFIXES):
            builder.add(name, data)
    provenance = Provenance(
        source=label,
        records=len(builder.advisories),
        export_date=builder.newest,
        withdrawn=builder.withdrawn,
        ignored=builder.ignored,
        skipped=tuple(builder.skipped),
        content_hash=content_hash,
    )
    _check_usable(provenance, path)
    payload = {
        "format": INDEX_FORMAT,
        "content_hash": content_hash,
        "provenance": provenance_json(provenance),
        "advisories": builder.advisories,
        "by_name": builder.by_name,
    }
    state = "built"
    try:
        atomic_write_bytes(index_file, json.dumps(payload, separators=(",", ":")).encode())
    except OSError:
        state = "none"  # an unwritable cache costs speed, not correctness
    return OsvIndex(provenance, builder.advisories, builder.by_name, cache=state)


def _check_usable(provenance: Provenance, path: Path) -> None:
    if provenance.records or provenance.withdrawn or provenance.ignored:
        return
    if provenance.skipped:
        first = provenance.skipped[0]
        raise DatabaseError(
            f"vulnerability database {path}: none of its {len(provenance.skipped)} records "
            f"could be read (first: {first})"
        )
    raise DatabaseError(
        f"vulnerability database {path}: no OSV records found "
        "(expected .json/.yaml records or an OSV all.zip export)"
    )
