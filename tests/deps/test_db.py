"""``secgate db update`` / ``secgate db status``: import, atomic swap, and faults."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from secgate.cli import main
from secgate.deps import store as osv  # the module update_database reads the URL from
from secgate.deps.osv import DatabaseError, current_database, load_database, update_database
from tests.deps.helpers import osv_record


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _ids(path: Path, package: str, version: str) -> list[str]:
    return sorted(a.id for a in load_database(path).matching(package, version))


@pytest.fixture
def first_db(write_db: Callable[..., Path]) -> Path:
    return write_db(
        osv_record("PYSEC-1", "demo", versions=["1.0"], modified="2024-05-06T07:08:09Z"),
        osv_record("PYSEC-2", "other", versions=["2.0"]),
    )


def test_update_from_a_folder_installs_it_and_status_reports_it(
    first_db: Path, isolated_cache: Path
) -> None:
    code, out, err = _cli("db", "update", "--from", str(first_db))
    assert (code, err) == (0, "")
    assert f"imported 2 advisories from {first_db}" in out
    installed = current_database()
    assert installed is not None
    assert installed.path.parent == isolated_cache / "osv-db"
    assert _ids(installed.path, "demo", "1.0") == ["PYSEC-1"]

    code, out, _ = _cli("db", "status")
    assert code == 0
    assert f"source:      {first_db}" in out
    assert "export date: 2024-05-06 (newest record)" in out
    assert "records:     2 (0 withdrawn, 0 skipped)" in out
    assert "age:" in out
    code, out, _ = _cli("db", "status", "--format", "json")
    status = json.loads(out)
    assert (status["records"], status["source"]) == (2, str(first_db))
    assert status["export_date"].startswith("2024-05-06")


def test_status_without_a_database_is_an_error_that_says_what_to_do() -> None:
    code, out, err = _cli("db", "status")
    assert (code, out) == (2, "")
    assert "no offline vulnerability database" in err
    assert "secgate db update --from PATH" in err


def test_update_from_zip_and_from_a_file_url(tmp_path: Path) -> None:
    export = tmp_path / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("PYSEC-7.json", json.dumps(osv_record("PYSEC-7", "z", versions=["3"])))
    update_database(str(export))
    installed = current_database()
    assert installed is not None and _ids(installed.path, "z", "3") == ["PYSEC-7"]
    update_database(export.as_uri())
    again = current_database()
    assert again is not None and again.path != installed.path
    assert again.provenance.source == export.as_uri()
    assert _ids(again.path, "z", "3") == ["PYSEC-7"]


def test_update_swaps_and_keeps_only_the_previous_copy(
    first_db: Path, write_db: Callable[..., Path], isolated_cache: Path
) -> None:
    update_database(str(first_db))
    first = current_database()
    second_db = write_db(osv_record("PYSEC-3", "demo", versions=["1.0"]))
    update_database(str(second_db))
    second = current_database()
    update_database(str(first_db))
    third = current_database()
    assert first and second and third
    assert _ids(third.path, "demo", "1.0") == ["PYSEC-1"]
    kept = sorted(p.name for p in (isolated_cache / "osv-db").iterdir() if p.is_dir())
    assert kept == sorted([second.path.name, third.path.name])


@pytest.mark.parametrize(
    "make_bad_source",
    [
        lambda tmp: tmp / "missing",
        lambda tmp: _write_bytes(tmp / "broken.zip", b"PK\x03\x04 not really a zip"),
        lambda tmp: _write_bytes(tmp / "bad" / "x.json", b"{").parent,
        lambda tmp: _write_bytes(tmp / "empty" / "README.md", b"nothing here").parent,
    ],
    ids=["missing-path", "corrupt-zip", "only-corrupt-records", "no-records"],
)
def test_failed_update_leaves_the_previous_database_working(
    first_db: Path,
    tmp_path: Path,
    isolated_cache: Path,
    make_bad_source: Callable[[Path], Path],
) -> None:
    update_database(str(first_db))
    before = current_database()
    assert before is not None
    bad = make_bad_source(tmp_path)
    code, _, err = _cli("db", "update", "--from", str(bad))
    assert code == 2
    assert err.startswith("secgate: error: ")
    after = current_database()
    assert after is not None and after.path == before.path
    assert _ids(after.path, "demo", "1.0") == ["PYSEC-1"]
    assert not [p for p in (isolated_cache / "osv-db").iterdir() if p.name.startswith(".incoming")]


def _write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_update_without_source_downloads_and_fails_clearly_offline(
    first_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_database(str(first_db))
    # Nothing listens on the discard port of the loopback address: the download fails the
    # way it does on a machine without network, without sending anything off the machine.
    monkeypatch.setattr(osv, "DEFAULT_DOWNLOAD_URL", "http://127.0.0.1:9/PyPI/all.zip")
    code, out, err = _cli("db", "update")
    assert (code, out) == (2, "")
    assert "cannot download http://127.0.0.1:9/PyPI/all.zip" in err
    assert "secgate db update --from PATH" in err
    installed = current_database()
    assert installed is not None and _ids(installed.path, "demo", "1.0") == ["PYSEC-1"]


@pytest.mark.slow
def test_update_killed_midway_leaves_the_previous_database_working(
    first_db: Path, tmp_path: Path, isolated_cache: Path
) -> None:
    update_database(str(first_db))
    before = current_database()
    assert before is not None
    big = tmp_path / "big"
    big.mkdir()
    for number in range(6000):
        record = osv_record(f"PYSEC-9-{number}", f"pkg{number}", versions=["1.0"])
        (big / f"PYSEC-9-{number}.json").write_text(json.dumps(record), "utf-8")
    store = isolated_cache / "osv-db"
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from secgate.cli import main; main(sys.argv[1:])",
         "db", "update", "--from", str(big)],
        env=os.environ.copy(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            staging = [p for p in store.iterdir() if p.name.startswith(".incoming-")]
            if staging and any(staging[0].rglob("*.json")):
                break
            if child.poll() is not None:
                pytest.fail("the update finished before it could be interrupted")
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert [p.name for p in store.iterdir() if p.name.startswith(".incoming-")]  # left behind
    after = current_database()
    assert after is not None and after.path == before.path
    assert _ids(after.path, "demo", "1.0") == ["PYSEC-1"]
    # The next update cleans the stale staging folder up.
    update_database(str(first_db))
    assert not [p for p in store.iterdir() if p.name.startswith(".incoming-")]


def test_update_error_message_names_the_bad_source(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"not a zip file"):
        update_database(str(_write_bytes(tmp_path / "x.zip", b"plain text")))
