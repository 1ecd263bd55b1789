"""The offline OSV database: records, matching, severity, the cached index, ``secgate db``.

A database is a folder of OSV records (``.json``, ``.yaml`` or ``.yml``, at any depth, like
the PyPA advisory database's ``vulns/``) or an OSV ``all.zip`` export, or a folder holding
such exports. Only ``PyPI`` entries are kept. Matching follows the OSV specification's
evaluation pseudocode: a version is affected when it is listed in ``versions`` or lies in an
``ECOSYSTEM`` (or ``SEMVER``) range, walking the sorted ``introduced`` / ``fixed`` /
``last_affected`` events under the range's ``limit`` events; ``withdrawn`` records are
skipped; names compare after PEP 503 normalisation and versions by PEP 440. A version that
is not PEP 440 sorts before every valid one (the old ``LegacyVersion`` rule), except that
``introduced: "0"`` sorts before everything.

Loading every record costs about a second for the PyPA snapshot, so the index (package
name to the records that affect it, severities already computed) is built once per
database and cached under ``$XDG_CACHE_HOME/secgate/osv-index/`` by the hash of the
database's content: an unchanged database is never parsed twice, a changed one never
reuses a stale index.

``secgate db update`` imports a database into ``$XDG_CACHE_HOME/secgate/osv-db/``: it builds
the copy in a staging folder beside the current one, validates it, renames it into place
and then swaps the ``CURRENT`` pointer file atomically, so a failed or interrupted update
leaves the previous database in use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

from secgate.atomic import atomic_write_bytes, atomic_write_text
from secgate.errors import SecgateError
from secgate.models import Severity

#: Bumped whenever the cached index layout or what goes into it changes.
INDEX_FORMAT = 2
RECORD_SUFFIXES = (".json", ".yaml", ".yml")
#: A single record larger than this is not an advisory but a mistake (or a zip bomb).
MAX_RECORD_BYTES = 16 * 1024 * 1024
#: OSV's public export of every PyPI record.
DEFAULT_DOWNLOAD_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
DOWNLOAD_TIMEOUT_S = 60.0
METADATA_FILE = ".secgate-db.json"
CURRENT_FILE = "CURRENT"

_CVSS_PREFERENCE = ("CVSS_V4", "CVSS_V3")
_DB_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}
_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)


class DatabaseError(SecgateError):
    """The vulnerability database cannot be used (missing, empty, or an import failed)."""


# --------------------------------------------------------------------------- versions


@functools.lru_cache(maxsize=65536)
def version_key(text: str) -> tuple[Any, ...]:
    """A sort key ordering versions the way OSV's PyPI ecosystem does.

    PEP 440 versions compare as PEP 440 says; a string that is not PEP 440 sorts before
    every valid version (and among such strings, as text); ``"0"`` as an ``introduced``
    event sorts before everything (callers pass :data:`INTRODUCED_ZERO` for that).
    """
    try:
        return (2, Version(text))
    except InvalidVersion:
        return (1, text)


#: The key of ``introduced: "0"``: before any other version, valid or not.
INTRODUCED_ZERO: tuple[Any, ...] = (0,)


def is_valid_version(text: str) -> bool:
    """True when *text* is a PEP 440 version."""
    return bool(version_key(text)[0] == 2)


_PLAIN_RELEASE = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*")
_TRAILING_ZEROS = re.compile(r"(?:\.0)+$")


@functools.lru_cache(maxsize=65536)
def canonical_version(text: str) -> str:
    """A string equal for versions PEP 440 calls equal (``2.10``, ``2.10.0``, ``v2.10``);
    the stripped text itself for a string that is not PEP 440."""
    if _PLAIN_RELEASE.fullmatch(text):
        # The common case, without a full parse: what canonicalize_version returns for a
        # plain release (trailing zero components dropped, "0.0" -> "0").
        return _TRAILING_ZEROS.sub("", text)
    key = version_key(text)
    return canonicalize_version(key[1]) if key[0] == 2 else text.strip()


def same_version(left: str, right: str) -> bool:
    """PEP 440 equality when both parse (``2.10 == 2.10.0``), else exact text equality."""
    return canonical_version(left) == canonical_version(right)


# --------------------------------------------------------------------------- severity


def severity_for_score(score: float) -> Severity:
    """CVSS base score to a level: critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0.

    A score of 0.0 is CVSS's "None" rating: the record says it has no impact, so it maps
    to ``info`` rather than to the unknown-severity fallback.
    """
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def cvss_base_score(vector: str) -> float:
    """The base score of a CVSS v3.x or v4.0 vector string; ValueError if it is not one.

    Scoring uses the ``cvss`` package (Red Hat Product Security's implementation of the
    FIRST specifications, v4.0's macro-vector tables included) rather than a copy of those
    tables here.
    """
    from cvss import CVSS3, CVSS4  # noqa: PLC0415 - keeps `import secgate` light
    from cvss.exceptions import CVSSError  # noqa: PLC0415

    text = vector.strip()
    try:
        if text.startswith("CVSS:4."):
            return float(CVSS4(text).base_score)
        if text.startswith("CVSS:3."):
            return float(CVSS3(text).base_score)
    except CVSSError as exc:
        raise ValueError(f"invalid CVSS vector {text!r}: {exc}") from None
    raise ValueError(f"not a CVSS v3 or v4 vector: {text!r}")


@dataclass(frozen=True)
class RecordSeverity:
    """The severity a record carries, and where it came from (None when it has none)."""

    level: Severity | None
    score: float | None = None
    source: str | None = None
    """``CVSS_V4``, ``CVSS_V3`` or ``database_specific``."""


def record_severity(raw: Mapping[str, Any]) -> RecordSeverity:
    """Severity of a record: CVSS v4, else CVSS v3, else ``database_specific.severity``.

    The record's top-level ``severity`` list is read first, then the ``affected`` entries'
    own lists. A vector that does not parse is ignored (the next source is tried).
    """
    lists: list[Any] = [raw.get("severity")]
    lists.extend(a.get("severity") for a in _mappings(raw.get("affected")))
    entries = [e for lst in lists if isinstance(lst, list) for e in _mappings(lst)]
    for wanted in _CVSS_PREFERENCE:
        for entry in entries:
            score = entry.get("score")
            if entry.get("type") == wanted and isinstance(score, str):
                try:
                    value = cvss_base_score(score)
                except ValueError:
                    continue
                return RecordSeverity(severity_for_score(value), value, wanted)
    specifics = [raw.get("database_specific")]
    specifics.extend(a.get("database_specific") for a in _mappings(raw.get("affected")))
    for specific in specifics:
        if isinstance(specific, Mapping):
            level = _DB_SEVERITY.get(str(specific.get("severity", "")).strip().upper())
            if level is not None:
                return RecordSeverity(level, None, "database_specific")
    return RecordSeverity(None)


def _mappings(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


# --------------------------------------------------------------------------- advisories


Event = tuple[str, str]
"""``(kind, version)``: kind is ``introduced``, ``fixed``, ``last_affected`` or ``limit``."""

_EVENT_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


def _event_key(event: Event) -> tuple[Any, ...]:
    kind, version = event
    key = INTRODUCED_ZERO if kind == "introduced" and version == "0" else version_key(version)
    return (key, _EVENT_ORDER[kind])


def in_range(version: str, events: Sequence[Event]) -> bool:
    """The OSV specification's ``IncludedInRanges`` for one range, with PEP 440 ordering."""
    return _key_in_range(version_key(version), events)


def _key_in_range(key: tuple[Any, ...], events: Sequence[Sequence[str]]) -> bool:
    limits = [v for kind, v in events if kind == "limit" and "*" not in v]
    if limits and not any(key < version_key(limit) for limit in limits):
        return False
    vulnerable = False
    for kind, bound in sorted(events, key=_event_key):  # type: ignore[arg-type]
        if kind == "introduced":
            if bound == "0" or key >= version_key(bound):
                vulnerable = True
        elif kind == "fixed":
            if key >= version_key(bound):
                vulnerable = False
        elif kind == "last_affected" and key > version_key(bound):
            vulnerable = False
    return vulnerable


def _affects(
    key: tuple[Any, ...],
    canonical: str,
    ranges: Sequence[Sequence[Sequence[str]]],
    versions: Sequence[str],
) -> bool:
    """``IsVulnerable`` for one affected entry; *versions* hold canonical version strings."""
    return canonical in versions or any(_key_in_range(key, events) for events in ranges)


@dataclass(frozen=True)
class Affected:
    """One ``affected`` entry of a record, for one PyPI package."""

    name: str
    """PEP 503 normalised."""
    ranges: tuple[tuple[Event, ...], ...] = ()
    versions: tuple[str, ...] = ()
    """The explicitly listed versions, in :func:`canonical_version` form."""
    known_fixed: tuple[str, ...] = ()
    """Fixed versions known without ranges (a service that reports only those)."""

    def affects(self, version: str) -> bool:
        """True when *version* is listed or lies in one of the ranges."""
        return _affects(
            version_key(version), canonical_version(version), self.ranges, self.versions
        )

    @property
    def fixed(self) -> tuple[str, ...]:
        """The ``fixed`` events of every range, and the fixed versions known otherwise."""
        in_ranges = (v for events in self.ranges for kind, v in events if kind == "fixed")
        return (*in_ranges, *self.known_fixed)


@dataclass(frozen=True)
class Advisory:
    """One vulnerability record, reduced to what the audit needs."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    modified: str | None = None
    severity: Severity | None = None
    score: float | None = None
    severity_source: str | None = None
    cwe: tuple[int, ...] = ()
    url: str | None = None
    affected: tuple[Affected, ...] = ()
    ranges_known: bool = True
    """False when the source reported the match without the affected ranges (pip-audit):
    then only the fixed versions are known, and fix advice cannot test candidates."""

    def affects(self, name: str, version: str) -> bool:
        """The OSV ``IsVulnerable`` check for the PyPI package *name* at *version*."""
        key = canonicalize_name(name)
        return any(a.affects(version) for a in self.affected if a.name == key)

    def fixed_versions(self, name: str) -> tuple[str, ...]:
        """Versions that fix it for *name*, lowest first."""
        key = canonicalize_name(name)
        found = {v for a in self.affected if a.name == key for v in a.fixed}
        return tuple(sorted(found, key=version_key))

    @property
    def ids(self) -> frozenset[str]:
        """The id and every alias."""
        return frozenset((self.id, *self.aliases))

    def to_json(self) -> dict[str, Any]:
        """A compact, JSON-ready form for the cached index."""
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "modified": self.modified,
            "severity": self.severity.value if self.severity else None,
            "score": self.score,
            "severity_source": self.severity_source,
            "cwe": list(self.cwe),
            "url": self.url,
            "affected": [
                {
                    "name": a.name,
                    "ranges": [list(map(list, r)) for r in a.ranges],
                    "versions": list(a.versions),
                }
                for a in self.affected
            ],
        }

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> Advisory:
        """The inverse of :meth:`to_json`."""
        return cls(
            id=row["id"],
            aliases=tuple(row["aliases"]),
            summary=row["summary"],
            modified=row["modified"],
            severity=Severity(row["severity"]) if row["severity"] else None,
            score=row["score"],
            severity_source=row["severity_source"],
            cwe=tuple(row["cwe"]),
            url=row["url"],
            affected=tuple(
                Affected(
                    name=a["name"],
                    ranges=tuple(tuple((e[0], e[1]) for e in r) for r in a["ranges"]),
                    versions=tuple(a["versions"]),
                )
                for a in row["affected"]
            ),
        )


_ID_PREFERENCE = ("PYSEC-", "GHSA-")


def _id_rank(identifier: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_ID_PREFERENCE):
        if identifier.startswith(prefix):
            return (rank, identifier)
    return (len(_ID_PREFERENCE), identifier)


def group_aliases(advisories: Sequence[Advisory]) -> list[tuple[Advisory, ...]]:
    """Advisories that describe one vulnerability, grouped.

    Two records belong together when their id-and-alias sets overlap (directly or through
    a third record): a PYSEC record aliasing a GHSA id and the GHSA record itself are one
    vulnerability, reported once. Groups come sorted by :func:`primary_id`.
    """
    parent = list(range(len(advisories)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, advisory in enumerate(advisories):
        for identifier in advisory.ids:
            if identifier in owner:
                parent[find(index)] = find(owner[identifier])
            else:
                owner[identifier] = index
    groups: dict[int, list[Advisory]] = {}
    for index, advisory in enumerate(advisories):
        groups.setdefault(find(index), []).append(advisory)
    merged = [tuple(sorted(g, key=lambda a: _id_rank(a.id))) for g in groups.values()]
    return sorted(merged, key=primary_id)


def primary_id(group: Sequence[Advisory]) -> str:
    """The id a group is reported under: a PYSEC record's, else a GHSA record's, else the
    lowest other record id."""
    return min((a.id for a in group), key=_id_rank)


def group_aliases_of(group: Sequence[Advisory]) -> tuple[str, ...]:
    """Every id of the group but the primary one, sorted."""
    primary = primary_id(group)
    return tuple(sorted({i for a in group for i in a.ids} - {primary}, key=_id_rank))


def lowest_fix(name: str, version: str, advisories: Sequence[Advisory]) -> str | None:
    """The lowest version above *version* that fixes every one of *advisories*.

    Candidates are the advisories' fixed versions above the current one; the answer is
    the lowest candidate none of them affects. When a source gave fixed versions without
    ranges, the answer is the highest of each advisory's lowest fix above the current
    version. None when no such version is known.
    """
    current = version_key(version)
    above = sorted(
        {v for a in advisories for v in a.fixed_versions(name) if version_key(v) > current},
        key=version_key,
    )
    if not above:
        return None
    if all(a.ranges_known for a in advisories):
        for candidate in above:
            if not any(a.affects(name, candidate) for a in advisories):
                return candidate
        return None
    needed = []
    for advisory in advisories:
        fixes = [v for v in advisory.fixed_versions(name) if version_key(v) > current]
        if not fixes:
            return None
        needed.append(min(fixes, key=version_key))
    return max(needed, key=version_key)


class RecordError(ValueError):
    """A record that is not valid OSV (the message says what is wrong)."""


def _strings(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"{what} must be a list of strings")
    return tuple(value)


def _help_url(record_id: str, raw: Mapping[str, Any]) -> str | None:
    if record_id.startswith(("PYSEC-", "GHSA-", "OSV-")):
        return f"https://osv.dev/vulnerability/{record_id}"
    references = _mappings(raw.get("references"))
    for ref in references:
        if ref.get("type") == "ADVISORY" and isinstance(ref.get("url"), str):
            return str(ref["url"])
    for ref in references:
        if isinstance(ref.get("url"), str):
            return str(ref["url"])
    return None


def _summary(raw: Mapping[str, Any]) -> str:
    text = raw.get("summary") or raw.get("details") or ""
    if not isinstance(text, str):
        return ""
    line = " ".join(text.split())
    return line if len(line) <= 240 else line[:237] + "..."


def _cwes(raw: Mapping[str, Any]) -> tuple[int, ...]:
    found: set[int] = set()
    specific = raw.get("database_specific")
    if isinstance(specific, Mapping):
        for item in specific.get("cwe_ids") or ():
            match = _CWE.match(str(item).strip())
            if match:
                found.add(int(match.group(1)))
    return tuple(sorted(found))


def _affected_entry(entry: Mapping[str, Any], index: int) -> Affected | None:
    package = entry.get("package")
    if package is None:
        return None  # an entry without a package describes something else (a git repo)
    if not isinstance(package, Mapping):
        raise RecordError(f"affected[{index}].package must be a mapping")
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
        raise RecordError(f"affected[{index}].package needs string 'ecosystem' and 'name'")
    if ecosystem.split(":", 1)[0] != "PyPI":
        return None
    ranges: list[tuple[Event, ...]] = []
    raw_ranges = entry.get("ranges") or []
    if not isinstance(raw_ranges, list):
        raise RecordError(f"affected[{index}].ranges must be a list")
    for r_index, rng in enumerate(raw_ranges):
        if not isinstance(rng, Mapping):
            raise RecordError(f"affected[{index}].ranges[{r_index}] must be a mapping")
        if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue  # GIT ranges need the repository; the versions list stands in
        events: list[Event] = []
        raw_events = rng.get("events")
        if not isinstance(raw_events, list) or not raw_events:
            raise RecordError(f"affected[{index}].ranges[{r_index}].events must be a list")
        for event in raw_events:
            if not isinstance(event, Mapping) or len(event) != 1:
                raise RecordError(
                    f"affected[{index}].ranges[{r_index}]: each event has exactly one key"
                )
            ((kind, value),) = event.items()
            if kind not in _EVENT_ORDER or not isinstance(value, str):
                raise RecordError(
                    f"affected[{index}].ranges[{r_index}]: unknown event {kind!r}: {value!r}"
                )
            events.append((kind, value))
        if not any(kind == "introduced" for kind, _ in events):
            raise RecordError(f"affected[{index}].ranges[{r_index}] has no 'introduced' event")
        ranges.append(tuple(events))
    listed = _strings(entry.get("versions"), f"affected[{index}].versions")
    versions = tuple(dict.fromkeys(canonical_version(v) for v in listed))
    return Affected(canonicalize_name(name), tuple(ranges), versions)


def advisory_from_record(raw: object) -> Advisory | None:
    """The :class:`Advisory` of a parsed OSV record; None when withdrawn or not about PyPI.

    Raises :class:`RecordError` when the record is not valid OSV.
    """
    if not isinstance(raw, Mapping):
        raise RecordError("not an OSV record (expected a mapping at the top level)")
    record_id = raw.get("id")
    if not isinstance(record_id, str) or not record_id.strip():
        raise RecordError("missing 'id'")
    modified = raw.get("modified")
    if modified is not None and not isinstance(modified, str):
        raise RecordError("'modified' must be a string")
    if raw.get("withdrawn"):
        return None
    affected_raw = raw.get("affected") or []
    if not isinstance(affected_raw, list):
        raise RecordError("'affected' must be a list")
    affected = []
    for index, entry in enumerate(affected_raw):
        if not isinstance(entry, Mapping):
            raise RecordError(f"affected[{index}] must be a mapping")
        parsed = _affected_entry(entry, index)
        if parsed is not None:
            affected.append(parsed)
    if not affected:
        return None
    aliases = tuple(a for a in _strings(raw.get("aliases"), "aliases") if a != record_id)
    severity = record_severity(raw)
    return Advisory(
        id=record_id.strip(),
        aliases=aliases,
        summary=_summary(raw),
        modified=modified,
        severity=severity.level,
        score=severity.score,
        severity_source=severity.source,
        cwe=_cwes(raw),
        url=_help_url(record_id, raw),
        affected=tuple(affected),
    )


@functools.cache
def _yaml_loader() -> type:
    """A safe YAML loader that keeps every scalar but null and booleans a string.

    With the default resolvers an unquoted ``2.10`` would become the float 2.1 and an
    unquoted date a datetime; OSV fields are strings.
    """
    import yaml  # noqa: PLC0415 - keeps `import secgate` light

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dropped = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in dropped]
        for first, entries in base.yaml_implicit_resolvers.items()
    }
    return type("OsvYamlLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def parse_record(data: bytes, name: str) -> object:
    """Parse one record's bytes: JSON for ``.json``, YAML for ``.yaml``/``.yml``.

    Raises :class:`RecordError` with the parser's message (which gives the line).
    """
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(f"record larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
    if name.lower().endswith(".json"):
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RecordError(f"invalid JSON: {exc}") from None
    import yaml  # noqa: PLC0415

    try:
        # A SafeLoader subclass (see _yaml_loader): bandit cannot see through the subclass.
        return yaml.load(data, Loader=_yaml_loader())  # noqa: S506  # nosec B506
    except yaml.YAMLError as exc:
        raise RecordError(f"invalid YAML: {' '.join(str(exc).split())}") from None


# --------------------------------------------------------------------------- reading a database


@dataclass(frozen=True)
class SkippedRecord:
    """A record that could not be used, and why."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


def _is_hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split("/"))


def _database_files(path: Path) -> list[tuple[str, bytes]]:
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


def _content_hash(files: Sequence[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _records_of(files: Sequence[tuple[str, bytes]]) -> Iterator[tuple[str, bytes | None, str]]:
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
                and _affects(version_sort_key, canonical, a["ranges"], a["versions"])
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


def _provenance_json(p: Provenance) -> dict[str, Any]:
    return {
        "source": p.source,
        "records": p.records,
        "export_date": p.export_date.isoformat() if p.export_date else None,
        "withdrawn": p.withdrawn,
        "ignored": p.ignored,
        "skipped": [[s.file, s.reason] for s in p.skipped],
        "content_hash": p.content_hash,
    }


def _provenance_from_json(data: Mapping[str, Any], source: str) -> Provenance:
    return Provenance(
        source=source,
        records=int(data["records"]),
        export_date=parse_timestamp(data.get("export_date")),
        withdrawn=int(data.get("withdrawn", 0)),
        ignored=int(data.get("ignored", 0)),
        skipped=tuple(SkippedRecord(str(f), str(r)) for f, r in data.get("skipped", [])),
        content_hash=str(data["content_hash"]),
    )


def _read_cached_index(path: Path, content_hash: str, source: str) -> OsvIndex | None:
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != INDEX_FORMAT or data.get("content_hash") != content_hash:
            return None
        provenance = _provenance_from_json(data["provenance"], source)
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
    files = _database_files(path)
    content_hash = _content_hash(files)
    cache_root = cache_dir if cache_dir is not None else cache_home()
    index_file = _index_path(cache_root, content_hash)
    cached = _read_cached_index(index_file, content_hash, label)
    if cached is not None:
        _check_usable(cached.provenance, path)
        return cached
    builder = _IndexBuilder()
    for name, data, error in _records_of(files):
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
        "provenance": _provenance_json(provenance),
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


# --------------------------------------------------------------------------- the managed copy


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
        provenance = _provenance_from_json(meta["provenance"], str(meta["source"]))
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
                "provenance": _provenance_json(index.provenance),
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
