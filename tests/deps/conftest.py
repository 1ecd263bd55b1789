"""Fixtures for the dependency-audit tests (helpers live in ``tests/deps/helpers.py``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.deps.helpers import FakePipAudit, isolate_cache, write_records


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """secgate's cache under the test's folder; SECGATE_VULN_DB unset."""
    return isolate_cache(tmp_path, monkeypatch)


@pytest.fixture
def write_db(tmp_path: Path) -> Callable[..., Path]:
    """Write records into a fresh database folder: ``write_db(*records, fmt="json")``."""
    counter = itertools.count()

    def write(*records: dict[str, Any], fmt: str = "json") -> Path:
        return write_records(tmp_path / f"db{next(counter)}", *records, fmt=fmt)

    return write


@pytest.fixture
def fake_pip_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePipAudit:
    """A fake ``pip-audit`` first on PATH (see :class:`FakePipAudit`)."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    return FakePipAudit(folder, monkeypatch)
