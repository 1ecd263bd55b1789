"""One OSV record (JSON or YAML) read into an :class:`~secgate.deps.matching.Advisory`.

Only ``PyPI`` entries are kept; ``withdrawn`` records are skipped; a record that is not
valid OSV raises :class:`RecordError` saying what is wrong.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from packaging.utils import canonicalize_name

from secgate.deps.matching import EVENT_ORDER, Advisory, Affected, Event
from secgate.deps.severity import mappings, record_severity
from secgate.deps.versions import canonical_version

RECORD_SUFFIXES = (".json", ".yaml", ".yml")
#: A single record larger than this is not an advisory but a mistake (or a zip bomb).
MAX_RECORD_BYTES = 16 * 1024 * 1024
_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)


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
    references = mappings(raw.get("references"))
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
            if kind not in EVENT_ORDER or not isinstance(value, str):
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
        vector=severity.vector,
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
