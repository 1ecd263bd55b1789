"""The database ``secgate db update`` imports and keeps under ``$XDG_CACHE_HOME/secgate/osv-db/``.

It builds the copy in a staging folder beside the current one, validates it, renames it
into place and then swaps the ``CURRENT`` pointer file atomically, so a failed or
interrupted update leaves the previous database in use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from secgate.atomic import atomic_write_text
from secgate.deps.database import (
    DatabaseError,
    Provenance,
    parse_timestamp,
    provenance_from_json,
    provenance_json,
)
from secgate.deps.index import cache_home, load_database
from secgate.deps.records import RECORD_SUFFIXES

#: OSV's public export of every PyPI record.
DEFAULT_DOWNLOAD_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
DOWNLOAD_TIMEOUT_S = 60.0
METADATA_FILE = ".secgate-db.json"
CURRENT_FILE = "CURRENT"


@dataclass(frozen=True)
class InstalledDatabase:
    """The database ``secgate db update`` imported: where it is and what it holds."""

    path: Path
    provenance: Provenance


def store_dir(cache_dir: Path | None = None) -> Path:
    """The folder ``secgate db update`` manages."""
    return (cache_dir if cache_dir is not None else cache_home()) / "osv-db"


def current_database(cache_dir: Path | None = None) -> InstalledDatabase | None:
    """The database the last successful ``secgate db update`` installed, or None."""
    store = store_dir(cache_dir)
    try:
        name = (store / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    folder = store / name
    try:
        meta = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
        provenance = provenance_from_json(meta["provenance"], str(meta["source"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    provenance = dataclasses.replace(
        provenance, imported_at=parse_timestamp(meta.get("imported_at"))
    )
    return InstalledDatabase(folder, provenance)


def _is_url(source: str) -> bool:
    return re.match(r"^(https?|file)://", source, re.IGNORECASE) is not None


def _download(url: str, target: Path, timeout: float) -> None:
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    if not _is_url(url):
        raise DatabaseError(f"{url}: only http, https and file URLs can be downloaded")
    try:
        # The scheme was checked above (http, https or file only).
        with (
            urllib.request.urlopen(url, timeout=timeout) as response,  # noqa: S310  # nosec B310
            target.open("wb") as out,
        ):
            shutil.copyfileobj(response, out, length=1024 * 1024)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DatabaseError(
            f"cannot download {url}: {reason}; on a machine without network, copy an OSV "
            "export or records folder there and run `secgate db update --from PATH`"
        ) from None


@contextlib.contextmanager
def _update_lock(store: Path) -> Iterator[None]:
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows: no lock, the pointer swap still holds
        yield
        return
    with (store / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_records(source: Path, target: Path) -> int:
    copied = 0
    for folder, subfolders, names in os.walk(source, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            full = Path(folder) / name
            if name.startswith(".") or full.is_symlink():
                continue
            if not name.lower().endswith((*RECORD_SUFFIXES, ".zip")):
                continue
            destination = target / full.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(full, destination)
            copied += 1
    return copied


def _clean_store(store: Path, keep: Iterable[str]) -> None:
    kept = set(keep)
    for entry in store.iterdir():
        if entry.name in kept or not entry.is_dir() or entry.is_symlink():
            continue
        if entry.name.startswith(("db-", ".incoming-")):
            shutil.rmtree(entry, ignore_errors=True)


def update_database(
    source: str | None = None,
    *,
    cache_dir: Path | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> InstalledDatabase:
    """Import *source* (a folder, an ``all.zip``, or a URL; default: OSV's PyPI export).

    The copy is built and validated in a staging folder beside the current database, then
    renamed into place, and only then does the ``CURRENT`` pointer (written atomically)
    switch to it. Whatever fails, or if the process is killed, the previous database stays
    current; stale staging folders are removed by the next update.
    """
    origin = source or DEFAULT_DOWNLOAD_URL
    cache_root = cache_dir if cache_dir is not None else cache_home()
    store = store_dir(cache_root)
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"{store}: cannot create: {exc.strerror or exc}") from None
    with _update_lock(store):
        previous = current_database(cache_root)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=store))
        try:
            if _is_url(origin):
                _download(origin, staging / "all.zip", timeout)
                label = origin
            else:
                path = Path(origin).expanduser()
                if path.is_dir():
                    if not _copy_records(path, staging / "records"):
                        raise DatabaseError(
                            f"{path}: no OSV records found (.json/.yaml/.yml or .zip)"
                        )
                elif path.is_file():
                    if not zipfile.is_zipfile(path):
                        raise DatabaseError(f"{path}: not a zip file (expected an OSV all.zip)")
                    shutil.copyfile(path, staging / "all.zip")
                else:
                    raise DatabaseError(f"{path}: no such file or folder")
                label = str(path.resolve())
            index = load_database(staging, cache_dir=cache_root, source=label)
            if not index.provenance.records:
                raise DatabaseError(f"{origin}: no PyPI advisories in this database")
            imported_at = datetime.now(UTC)
            meta = {
                "source": label,
                "imported_at": imported_at.isoformat(),
                "provenance": provenance_json(index.provenance),
            }
            atomic_write_text(staging / METADATA_FILE, json.dumps(meta, indent=2) + "\n")
            final = store / f"db-{time.strftime('%Y%m%dT%H%M%S')}-{staging.name[-8:]}"
            staging.rename(final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        atomic_write_text(store / CURRENT_FILE, final.name + "\n")
        # Keep the previous copy one more round: a scan that read the old pointer a moment
        # ago may still be reading it.
        _clean_store(store, [final.name, *([previous.path.name] if previous else [])])
    installed = current_database(cache_root)
    if installed is None:  # pragma: no cover - only if the file system lies
        raise DatabaseError(f"{store}: the imported database could not be read back")
    return installed
