"""Advisories and OSV's evaluation of them: affected ranges and events, aliases, the lowest fix.

Matching follows the OSV specification's evaluation pseudocode: a version is affected when
it is listed in ``versions`` or lies in an ``ECOSYSTEM`` (or ``SEMVER``) range, walking
the sorted ``introduced`` / ``fixed`` / ``last_affected`` events under the range's
``limit`` events; names compare after PEP 503 normalisation and versions as
:mod:`secgate.deps.versions` orders them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from secgate.deps.versions import INTRODUCED_ZERO, canonical_version, version_key
from secgate.models import Severity

Event = tuple[str, str]
"""``(kind, version)``: kind is ``introduced``, ``fixed``, ``last_affected`` or ``limit``."""

EVENT_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


def _event_key(event: Event) -> tuple[Any, ...]:
    kind, version = event
    key = INTRODUCED_ZERO if kind == "introduced" and version == "0" else version_key(version)
    return (key, EVENT_ORDER[kind])


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


def affects_version(
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
        return affects_version(
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
    vector: str | None = None
    """The CVSS vector behind ``score`` (for SBOM ratings), if the record has one."""
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
            "vector": self.vector,
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
            vector=row.get("vector"),
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
