"""A vulnerability database on disk: its files, their content hash, and its provenance.

A database is a folder of OSV records (``.json``, ``.yaml`` or ``.yml``, at any depth, like
the PyPA advisory database's ``vulns/``) or an OSV ``all.zip`` export, or a folder holding
such exports. Hidden entries and symlinks in a folder are not read.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secgate.deps.records import MAX_RECORD_BYTES, RECORD_SUFFIXES
from secgate.errors import SecgateError


class DatabaseError(SecgateError):
    """The vulnerability database cannot be used (missing, empty, or an import failed)."""


@dataclass(frozen=True)
class SkippedRecord:
    """A record that could not be used, and why."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


def database_files(path: Path) -> list[tuple[str, bytes]]:
    """``(name, bytes)`` of every record file or export in *path*, sorted by name."""
    if not path.exists():
        raise DatabaseError(
            f"vulnerability database {path}: no such file or folder "
            "(import one with `secgate db update --from PATH`, or fix --vuln-db / vuln-db)"
        )
    if path.is_file():
        try:
            return [(path.name, path.read_bytes())]
        except OSError as exc:
            raise DatabaseError(f"{path}: cannot read: {exc.strerror or exc}") from None
    # Plain os.scandir and strings: thousands of records, and pathlib's per-path overhead
    # was most of a cached run's time.
    found: list[tuple[str, bytes]] = []
    wanted = (*RECORD_SUFFIXES, ".zip")
    pending: list[tuple[str, str]] = [(str(path), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise DatabaseError(f"{folder}: cannot list: {exc.strerror or exc}") from None
        for entry in entries:
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, f"{prefix}{entry.name}/"))
            elif entry.name.lower().endswith(wanted):
                try:
                    with open(entry.path, "rb") as handle:  # noqa: PTH123 - see above
                        found.append((prefix + entry.name, handle.read()))
                except OSError as exc:
                    raise DatabaseError(
                        f"{entry.path}: cannot read: {exc.strerror or exc}"
                    ) from None
    found.sort(key=lambda item: item[0])
    return found


def database_hash(files: Sequence[tuple[str, bytes]]) -> str:
    """The SHA-256 of every file's name, length and bytes, in order: the index's cache key."""
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def database_records(files: Sequence[tuple[str, bytes]]) -> Iterator[tuple[str, bytes | None, str]]:
    """``(name, bytes, error)`` for every record, unpacking zip exports."""
    for name, data in files:
        if not name.lower().endswith(".zip"):
            yield name, data, ""
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            yield name, None, f"not a readable zip file: {exc}"
            continue
        with archive:
            for info in members:
                member = info.filename
                if info.is_dir() or not member.lower().endswith(RECORD_SUFFIXES):
                    continue
                label = f"{name}:{member}"
                if info.file_size > MAX_RECORD_BYTES:
                    yield label, None, "record larger than 16 MiB"
                    continue
                try:
                    yield label, archive.read(info), ""
                except (zipfile.BadZipFile, OSError, EOFError) as exc:
                    yield label, None, f"cannot unpack: {exc}"


@dataclass(frozen=True)
class Provenance:
    """Where the vulnerability data came from and how fresh it is."""

    source: str
    records: int
    """Records used (valid, not withdrawn, about PyPI)."""
    export_date: datetime | None = None
    """The newest ``modified`` among the records: how fresh the data is."""
    withdrawn: int = 0
    ignored: int = 0
    """Valid records with no PyPI entry."""
    skipped: tuple[SkippedRecord, ...] = ()
    content_hash: str = ""
    imported_at: datetime | None = None

    def age_days(self, now: datetime | None = None) -> float | None:
        """Days since the export date, or None when unknown."""
        if self.export_date is None:
            return None
        moment = now or datetime.now(UTC)
        return max(0.0, (moment - self.export_date).total_seconds() / 86400.0)


def parse_timestamp(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime, or None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def provenance_json(p: Provenance) -> dict[str, Any]:
    """The JSON form of *p* kept in the cached index and the store's metadata file."""
    return {
        "source": p.source,
        "records": p.records,
        "export_date": p.export_date.isoformat() if p.export_date else None,
        "withdrawn": p.withdrawn,
        "ignored": p.ignored,
        "skipped": [[s.file, s.reason] for s in p.skipped],
        "content_hash": p.content_hash,
    }


def provenance_from_json(data: Mapping[str, Any], source: str) -> Provenance:
    """The inverse of :func:`provenance_json`, with *source* as the label."""
    return Provenance(
        source=source,
        records=int(data["records"]),
        export_date=parse_timestamp(data.get("export_date")),
        withdrawn=int(data.get("withdrawn", 0)),
        ignored=int(data.get("ignored", 0)),
        skipped=tuple(SkippedRecord(str(f), str(r)) for f, r in data.get("skipped", [])),
        content_hash=str(data["content_hash"]),
    )
