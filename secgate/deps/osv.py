"""The offline OSV database: the public names of the modules that read, match and keep it.

One job per module:

- :mod:`secgate.deps.versions`: versions as OSV's PyPI ecosystem orders them (PEP 440;
  a string that is not PEP 440 sorts before every valid one, ``introduced: "0"`` before
  everything);
- :mod:`secgate.deps.severity`: a record's severity (CVSS v4, else v3, else the
  database's own rating);
- :mod:`secgate.deps.matching`: :class:`Advisory`, the OSV specification's evaluation of
  affected ranges and events, alias grouping and the lowest fixing version;
- :mod:`secgate.deps.records`: one OSV record (JSON or YAML) read into an advisory;
- :mod:`secgate.deps.database`: a database on disk (a folder of records or an OSV
  ``all.zip`` export), its content hash and its provenance;
- :mod:`secgate.deps.index`: the per-database index, cached by content hash
  (:func:`load_database`);
- :mod:`secgate.deps.store`: the copy ``secgate db update`` imports and swaps in
  atomically (:func:`update_database`, :func:`current_database`).

Code outside :mod:`secgate.deps` imports these names from here.
"""

from __future__ import annotations

from secgate.deps.database import DatabaseError, Provenance, SkippedRecord, parse_timestamp
from secgate.deps.index import INDEX_FORMAT, OsvIndex, cache_home, load_database
from secgate.deps.matching import (
    Advisory,
    Affected,
    Event,
    group_aliases,
    group_aliases_of,
    lowest_fix,
    primary_id,
)
from secgate.deps.records import (
    MAX_RECORD_BYTES,
    RECORD_SUFFIXES,
    RecordError,
    advisory_from_record,
    parse_record,
)
from secgate.deps.severity import (
    RecordSeverity,
    cvss_base_score,
    record_severity,
    severity_for_score,
)
from secgate.deps.store import (
    CURRENT_FILE,
    DEFAULT_DOWNLOAD_URL,
    DOWNLOAD_TIMEOUT_S,
    METADATA_FILE,
    InstalledDatabase,
    current_database,
    store_dir,
    update_database,
)
from secgate.deps.versions import (
    INTRODUCED_ZERO,
    canonical_version,
    is_valid_version,
    version_key,
)

__all__ = [
    "CURRENT_FILE",
    "DEFAULT_DOWNLOAD_URL",
    "DOWNLOAD_TIMEOUT_S",
    "INDEX_FORMAT",
    "INTRODUCED_ZERO",
    "MAX_RECORD_BYTES",
    "METADATA_FILE",
    "RECORD_SUFFIXES",
    "Advisory",
    "Affected",
    "DatabaseError",
    "Event",
    "InstalledDatabase",
    "OsvIndex",
    "Provenance",
    "RecordError",
    "RecordSeverity",
    "SkippedRecord",
    "advisory_from_record",
    "cache_home",
    "canonical_version",
    "current_database",
    "cvss_base_score",
    "group_aliases",
    "group_aliases_of",
    "is_valid_version",
    "load_database",
    "lowest_fix",
    "parse_record",
    "parse_timestamp",
    "primary_id",
    "record_severity",
    "severity_for_score",
    "store_dir",
    "update_database",
    "version_key",
]
