"""The offline OSV database: matching per the OSV spec, severity, aliases, the cached index."""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from secgate.deps.osv import (
    DatabaseError,
    RecordError,
    advisory_from_record,
    canonical_version,
    cvss_base_score,
    group_aliases,
    group_aliases_of,
    load_database,
    lowest_fix,
    primary_id,
    record_severity,
    severity_for_score,
)
from secgate.models import Severity
from tests.deps.helpers import osv_record


def _affects(record: dict[str, object], package: str, version: str) -> bool:
    advisory = advisory_from_record(record)
    assert advisory is not None
    return advisory.affects(package, version)


# --------------------------------------------------------------------------- event kinds


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.9", False), ("1.0", True), ("1.4.2", True), ("1.5", False), ("2.0", False)],
)
def test_introduced_and_fixed_bound_a_half_open_range(version: str, expected: bool) -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "1.0"}, {"fixed": "1.5"}])
    assert _affects(record, "demo", version) is expected


def test_introduced_zero_affects_every_version_before_the_fix() -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "0"}, {"fixed": "2.0"}])
    assert _affects(record, "demo", "0.0.1a1")
    assert _affects(record, "demo", "1.9.9")
    assert not _affects(record, "demo", "2.0")


@pytest.mark.parametrize(
    ("version", "expected"), [("1.0", True), ("1.4", True), ("1.4.0", True), ("1.4.1", False)]
)
def test_last_affected_includes_that_version_and_nothing_above(
    version: str, expected: bool
) -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "0"}, {"last_affected": "1.4"}])
    assert _affects(record, "demo", version) is expected


@pytest.mark.parametrize(
    ("version", "expected"), [("1.0", True), ("2.9", True), ("3.0", False), ("4.0", False)]
)
def test_limit_caps_a_range_with_no_fix(version: str, expected: bool) -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "1.0"}, {"limit": "3.0"}])
    assert _affects(record, "demo", version) is expected


def test_limit_star_means_no_limit() -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "1.0"}, {"limit": "*"}])
    assert _affects(record, "demo", "99.0")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", True),
        ("1.2", False),
        ("2.9", False),
        ("3.0", True),
        ("3.2.4", True),
        ("3.2.5", False),
    ],
)
def test_several_introduced_fixed_pairs_in_one_range(version: str, expected: bool) -> None:
    events = [{"introduced": "3.0"}, {"fixed": "3.2.5"}, {"introduced": "1.0"}, {"fixed": "1.2"}]
    record = osv_record("OSV-1", "demo", events=events)  # unsorted on purpose: spec sorts
    assert _affects(record, "demo", version) is expected


def test_explicit_versions_list_matches_with_pep440_equality() -> None:
    record = osv_record("OSV-1", "demo", versions=["2.10", "2.11b1"])
    assert _affects(record, "demo", "2.10.0")
    assert _affects(record, "demo", "2.11.0b1")
    assert not _affects(record, "demo", "2.10.1")


_RELEASES = st.lists(st.integers(0, 12), min_size=1, max_size=4)
_SUFFIXES = st.sampled_from(["", "a1", "b2", "rc1", ".post0", ".post1", ".dev3", "+Local.7"])


@settings(max_examples=300, deadline=None)
@given(_RELEASES, _RELEASES, _SUFFIXES, _SUFFIXES, st.booleans())
def test_canonical_version_equality_is_pep440_equality(
    left: list[int], right: list[int], left_tag: str, right_tag: str, pad: bool
) -> None:
    a = ".".join(map(str, left)) + left_tag
    b = ".".join(map(str, right + ([0, 0] if pad else []))) + right_tag
    assert (canonical_version(a) == canonical_version(b)) is (Version(a) == Version(b))


def test_versions_list_or_range_either_is_enough() -> None:
    record = osv_record(
        "OSV-1", "demo", events=[{"introduced": "1.0"}, {"fixed": "1.1"}], versions=["0.5"]
    )
    assert _affects(record, "demo", "0.5")
    assert _affects(record, "demo", "1.0.3")
    assert not _affects(record, "demo", "0.6")


def test_package_names_compare_after_pep503_normalisation() -> None:
    record = osv_record("OSV-1", "Zope.Interface", versions=["1.0"])
    assert _affects(record, "zope-interface", "1.0")
    assert _affects(record, "ZOPE_interface", "1.0")
    assert not _affects(record, "zope-interfaces", "1.0")


def test_invalid_versions_sort_before_valid_ones_and_match_listed_text() -> None:
    # osv.dev orders PyPI versions that are not PEP 440 like packaging's old LegacyVersion:
    # before every valid version, and among themselves as text.
    record = osv_record(
        "OSV-1", "demo", events=[{"introduced": "0"}, {"fixed": "0.2.0-n653"}], versions=["a3"]
    )
    assert _affects(record, "demo", "0.1.0-n600")  # invalid, below the invalid fix
    assert not _affects(record, "demo", "0.3.0-n700")  # invalid, above it
    assert not _affects(record, "demo", "0.0.1")  # every valid version sorts above it
    assert _affects(record, "demo", "a3")  # listed text matches exactly
    assert not _affects(record, "demo", "a4")


def test_introduced_zero_sorts_before_invalid_versions_too() -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "0"}, {"fixed": "1.0"}])
    assert _affects(record, "demo", "2013-01-21T20:33:09+0100")


def test_git_ranges_are_ignored_and_the_versions_list_stands_in() -> None:
    record = osv_record("OSV-1", "demo", versions=["1.0"])
    record["affected"][0]["ranges"] = [
        {"type": "GIT", "repo": "https://example.invalid/r", "events": [{"introduced": "0"}]}
    ]
    assert _affects(record, "demo", "1.0")
    assert not _affects(record, "demo", "1.1")


def test_entries_of_other_ecosystems_are_dropped() -> None:
    record = osv_record("OSV-1", "demo", versions=["1.0"])
    record["affected"][0]["package"]["ecosystem"] = "npm"
    assert advisory_from_record(record) is None


def test_withdrawn_record_is_skipped() -> None:
    record = osv_record("OSV-1", "demo", versions=["1.0"], withdrawn="2024-02-01T00:00:00Z")
    assert advisory_from_record(record) is None


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("id"), "missing 'id'"),
        (lambda r: r.update(affected="demo"), "'affected' must be a list"),
        (
            lambda r: r["affected"][0]["ranges"][0].update(events=[{"fixed": "1.0"}]),
            "no 'introduced' event",
        ),
        (
            lambda r: r["affected"][0]["ranges"][0].update(
                events=[{"introduced": "0", "fixed": "1"}]
            ),
            "exactly one key",
        ),
        (lambda r: r["affected"][0].update(versions="1.0"), "list of strings"),
    ],
)
def test_invalid_records_raise_a_clear_error(
    mutate: Callable[[dict[str, object]], object], message: str
) -> None:
    record = osv_record("OSV-1", "demo", events=[{"introduced": "0"}])
    mutate(record)
    with pytest.raises(RecordError, match=message):
        advisory_from_record(record)


# --------------------------------------------------------------------------- severity


@pytest.mark.parametrize(
    ("vector", "score", "level"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity.CRITICAL),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, Severity.HIGH),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Severity.MEDIUM),
        ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, Severity.LOW),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, Severity.INFO),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Severity.CRITICAL),
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, Severity.HIGH),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9, Severity.MEDIUM),
        ("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, Severity.LOW),
    ],
)
def test_cvss_vectors_map_to_base_score_and_level(
    vector: str, score: float, level: Severity
) -> None:
    assert cvss_base_score(vector) == score
    kind = "CVSS_V4" if vector.startswith("CVSS:4") else "CVSS_V3"
    found = record_severity({"severity": [{"type": kind, "score": vector}]})
    assert (found.level, found.score, found.source) == (level, score, kind)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (10.0, "critical"),
        (9.0, "critical"),
        (8.9, "high"),
        (7.0, "high"),
        (6.9, "medium"),
        (4.0, "medium"),
        (3.9, "low"),
        (0.1, "low"),
        (0.0, "info"),
    ],
)
def test_score_thresholds(score: float, level: str) -> None:
    assert severity_for_score(score) == Severity(level)


def test_v4_vector_wins_over_v3_in_one_record() -> None:
    found = record_severity(
        {
            "severity": [
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                {
                    "type": "CVSS_V4",
                    "score": "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                },
            ]
        }
    )
    assert (found.source, found.level) == ("CVSS_V4", Severity.LOW)


def test_database_specific_severity_is_the_fallback_and_moderate_is_medium() -> None:
    found = record_severity(
        {
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"}],  # unparsable: skipped
            "database_specific": {"severity": "MODERATE"},
        }
    )
    assert (found.level, found.source) == (Severity.MEDIUM, "database_specific")


def test_record_without_severity_has_none() -> None:
    assert (
        record_severity(
            {"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]}
        ).level
        is None
    )


def test_per_package_severity_is_used_when_the_record_has_none() -> None:
    record = osv_record("OSV-1", "demo", versions=["1.0"])
    record["affected"][0]["severity"] = [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}
    ]
    advisory = advisory_from_record(record)
    assert advisory is not None and advisory.severity is Severity.HIGH


_V3_WEIGHTS = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "CIA": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def _roundup(value: float) -> float:
    as_int = round(value * 100000)
    return as_int / 100000.0 if as_int % 10000 == 0 else (math.floor(as_int / 10000) + 1) / 10.0


def _v31_base_score(m: dict[str, str]) -> float:
    """The CVSS v3.1 specification's base-score formula, written out independently."""
    changed = m["S"] == "C"
    pr = {"N": 0.85, "L": 0.68 if changed else 0.62, "H": 0.5 if changed else 0.27}[m["PR"]]
    c, i, a = (_V3_WEIGHTS["CIA"][m[k]] for k in ("C", "I", "A"))
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    exploitability = (
        8.22
        * _V3_WEIGHTS["AV"][m["AV"]]
        * _V3_WEIGHTS["AC"][m["AC"]]
        * pr
        * _V3_WEIGHTS["UI"][m["UI"]]
    )
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "AV": st.sampled_from("NALP"),
            "AC": st.sampled_from("LH"),
            "PR": st.sampled_from("NLH"),
            "UI": st.sampled_from("NR"),
            "S": st.sampled_from("UC"),
            "C": st.sampled_from("HLN"),
            "I": st.sampled_from("HLN"),
            "A": st.sampled_from("HLN"),
        }
    )
)
def test_cvss_v31_scores_agree_with_the_specification_formula(metrics: dict[str, str]) -> None:
    vector = "CVSS:3.1/" + "/".join(f"{k}:{v}" for k, v in metrics.items())
    assert cvss_base_score(vector) == _v31_base_score(metrics)


def test_unknown_vector_prefix_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a CVSS v3 or v4 vector"):
        cvss_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P")


# --------------------------------------------------------------------------- aliases and fixes


def test_aliases_of_one_vulnerability_form_one_group() -> None:
    pysec = advisory_from_record(
        osv_record(
            "PYSEC-2019-217",
            "jinja2",
            versions=["2.10"],
            aliases=["CVE-2019-10906", "GHSA-462w-v97r-4m45"],
        )
    )
    ghsa = advisory_from_record(
        osv_record("GHSA-462w-v97r-4m45", "jinja2", versions=["2.10"], aliases=["CVE-2019-10906"])
    )
    other = advisory_from_record(osv_record("PYSEC-2021-66", "jinja2", versions=["2.10"]))
    assert pysec and ghsa and other
    groups = group_aliases([ghsa, other, pysec])
    assert [primary_id(g) for g in groups] == ["PYSEC-2019-217", "PYSEC-2021-66"]
    assert group_aliases_of(groups[0]) == ("GHSA-462w-v97r-4m45", "CVE-2019-10906")


def test_aliases_join_transitively() -> None:
    a = advisory_from_record(osv_record("GHSA-aaaa", "x", versions=["1"], aliases=["CVE-1"]))
    b = advisory_from_record(osv_record("OSV-2", "x", versions=["1"], aliases=["CVE-1", "CVE-2"]))
    c = advisory_from_record(osv_record("PYSEC-3", "x", versions=["1"], aliases=["CVE-2"]))
    assert a and b and c
    groups = group_aliases([a, b, c])
    assert len(groups) == 1 and primary_id(groups[0]) == "PYSEC-3"


def test_lowest_fix_is_the_lowest_version_fixing_every_advisory() -> None:
    first = advisory_from_record(
        osv_record("OSV-1", "demo", events=[{"introduced": "0"}, {"fixed": "1.2"}])
    )
    second = advisory_from_record(
        osv_record(
            "OSV-2",
            "demo",
            events=[
                {"introduced": "1.0"},
                {"fixed": "1.1.5"},
                {"introduced": "1.2"},
                {"fixed": "1.3"},
            ],
        )
    )
    assert first and second
    # 1.1.5 fixes OSV-2's first range but not OSV-1; 1.2 fixes OSV-1 but is in OSV-2's
    # second range; 1.3 is the lowest fixing both.
    assert lowest_fix("demo", "1.0.1", [first, second]) == "1.3"
    assert lowest_fix("demo", "1.0.1", [first]) == "1.2"


def test_lowest_fix_is_none_when_nothing_fixes() -> None:
    unfixed = advisory_from_record(osv_record("OSV-1", "demo", events=[{"introduced": "0"}]))
    assert unfixed is not None
    assert lowest_fix("demo", "1.0", [unfixed]) is None


# --------------------------------------------------------------------------- databases


def test_yaml_and_json_records_load_alike(write_db: Callable[..., Path]) -> None:
    record = osv_record("PYSEC-1", "demo", events=[{"introduced": "0"}, {"fixed": "2.10"}])
    for fmt in ("json", "yaml"):
        index = load_database(write_db(record, fmt=fmt))
        assert [a.id for a in index.matching("demo", "2.9")] == ["PYSEC-1"]
        assert index.matching("demo", "2.10") == []


def test_unquoted_yaml_versions_stay_strings(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "PYSEC-9.yaml").write_text(
        "id: PYSEC-9\nmodified: 2024-03-01T00:00:00Z\naffected:\n"
        "- package: {ecosystem: PyPI, name: demo}\n  versions: [2.10, 1.0]\n",
        "utf-8",
    )
    index = load_database(folder)
    # As a float, 2.10 would have become 2.1 and matched the wrong release.
    assert [a.id for a in index.matching("demo", "2.10")] == ["PYSEC-9"]
    assert index.matching("demo", "2.1") == []
    assert index.provenance.export_date is not None
    assert index.provenance.export_date.isoformat() == "2024-03-01T00:00:00+00:00"


def test_provenance_counts_records_and_takes_the_newest_modified_date(
    write_db: Callable[..., Path],
) -> None:
    db = write_db(
        osv_record("OSV-1", "a", versions=["1"], modified="2024-05-01T10:00:00Z"),
        osv_record("OSV-2", "b", versions=["1"], modified="2024-06-02T10:00:00Z"),
        osv_record("OSV-3", "c", versions=["1"], withdrawn="2024-07-01T00:00:00Z"),
    )
    provenance = load_database(db).provenance
    assert (provenance.records, provenance.withdrawn) == (2, 1)
    assert provenance.export_date is not None
    assert provenance.export_date.date().isoformat() == "2024-06-02"
    assert provenance.source == str(db)


def test_corrupt_record_among_good_ones_is_skipped_with_its_file_named(
    write_db: Callable[..., Path],
) -> None:
    db = write_db(osv_record("OSV-1", "demo", versions=["1.0"]))
    (db / "broken.json").write_text('{"id": "OSV-2", "affected": [', "utf-8")
    (db / "sub").mkdir()
    (db / "sub" / "bad.yaml").write_text("id: [unclosed\n", "utf-8")
    index = load_database(db)
    assert [a.id for a in index.matching("demo", "1.0")] == ["OSV-1"]
    skipped = {s.file: s.reason for s in index.provenance.skipped}
    assert set(skipped) == {"broken.json", "sub/bad.yaml"}
    assert skipped["broken.json"].startswith("invalid JSON")
    assert "line 1" in skipped["sub/bad.yaml"]


def test_missing_database_path_is_an_error_that_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"no such file or folder.*secgate db update"):
        load_database(tmp_path / "nowhere")


def test_database_of_only_corrupt_records_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "x.json").write_text("nope", "utf-8")
    with pytest.raises(DatabaseError, match=r"none of its 1 records could be read.*x.json"):
        load_database(tmp_path / "db")


def test_empty_folder_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    with pytest.raises(DatabaseError, match="no OSV records found"):
        load_database(tmp_path / "db")


def test_osv_all_zip_export_loads(tmp_path: Path) -> None:
    export = tmp_path / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(
            "PYSEC-1.json", json.dumps(osv_record("PYSEC-1", "demo", versions=["1.0"]))
        )
        archive.writestr("GHSA-2.json", json.dumps(osv_record("GHSA-2", "other", versions=["3"])))
        archive.writestr("bad.json", "{")
    index = load_database(export)
    assert [a.id for a in index.matching("demo", "1.0")] == ["PYSEC-1"]
    assert index.packages() == ["demo", "other"]
    assert [s.file for s in index.provenance.skipped] == ["all.zip:bad.json"]


def test_truncated_zip_is_reported_as_unreadable(tmp_path: Path) -> None:
    export = tmp_path / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("PYSEC-1.json", json.dumps(osv_record("PYSEC-1", "demo", versions=["1"])))
    export.write_bytes(export.read_bytes()[:40])
    with pytest.raises(DatabaseError, match="not a readable zip file"):
        load_database(export)


def test_index_is_built_once_and_reused_by_content_hash(
    write_db: Callable[..., Path], isolated_cache: Path
) -> None:
    db = write_db(osv_record("OSV-1", "demo", versions=["1.0"]))
    first = load_database(db)
    second = load_database(db)
    assert (first.cache, second.cache) == ("built", "hit")
    assert len(list((isolated_cache / "osv-index").glob("*.json"))) == 1
    assert [a.id for a in second.matching("demo", "1.0")] == ["OSV-1"]
    # Changed content: a new index, never the stale one.
    (db / "OSV-2.json").write_text(json.dumps(osv_record("OSV-2", "demo", versions=["1.0"])))
    third = load_database(db)
    assert third.cache == "built"
    assert sorted(a.id for a in third.matching("demo", "1.0")) == ["OSV-1", "OSV-2"]


def test_damaged_index_cache_is_rebuilt(
    write_db: Callable[..., Path], isolated_cache: Path
) -> None:
    db = write_db(osv_record("OSV-1", "demo", versions=["1.0"]))
    load_database(db)
    (cached,) = (isolated_cache / "osv-index").glob("*.json")
    cached.write_text('{"format": 1, "content_hash": "x"', "utf-8")
    again = load_database(db)
    assert again.cache == "built"
    assert [a.id for a in again.matching("demo", "1.0")] == ["OSV-1"]


def test_unwritable_cache_still_answers(write_db: Callable[..., Path], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", "utf-8")
    db = write_db(osv_record("OSV-1", "demo", versions=["1.0"]))
    index = load_database(db, cache_dir=blocker)
    assert index.cache == "none"
    assert [a.id for a in index.matching("demo", "1.0")] == ["OSV-1"]
