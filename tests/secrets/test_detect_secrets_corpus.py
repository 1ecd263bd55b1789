"""On detect-secrets' own test data: every real secret it finds (of a kind secgate supports) is
found by secgate too, with fewer false positives. Skipped when the corpus is absent."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from secgate.secrets.engine import Detector
from secgate.secrets.rules import load_rules

HERE = Path(__file__).resolve()


def _corpus() -> Path:
    """``shared/`` beside the repository (CI), else beside a parent folder (a worktree)."""
    for folder in HERE.parents[2:]:
        candidate = folder / ".." / "shared" / "corpora" / "detect-secrets-test_data"
        if candidate.is_dir():
            return candidate
    return HERE.parents[2] / ".." / "shared" / "corpora" / "detect-secrets-test_data"


CORPUS = _corpus()
TRUTH = HERE.parents[1] / "fixtures" / "secrets" / "detect_secrets_truth.toml"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="detect-secrets corpus not present")


def truth() -> dict[str, object]:
    with TRUTH.open("rb") as handle:
        return tomllib.load(handle)


def secgate_hits() -> set[tuple[str, int]]:
    detector = Detector(load_rules().rules)
    hits: set[tuple[str, int]] = set()
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            rel = path.relative_to(CORPUS).as_posix()
            for hit in detector.scan_file(path, rel).hits:
                if hit.allowed_by is None:
                    hits.add((rel, hit.line))
    return hits


def test_secgate_finds_every_real_supported_secret_detect_secrets_finds() -> None:
    data = truth()
    wanted = {
        (h["file"], h["line"])
        for h in data["hits"]  # type: ignore[union-attr]
        if h["real"] and h.get("supported")
    }
    assert len(wanted) >= 9
    missing = wanted - secgate_hits()
    assert not missing, f"secgate misses: {sorted(missing)}"


def test_secgate_has_fewer_false_positives_than_detect_secrets() -> None:
    data = truth()
    real = {(h["file"], h["line"]) for h in data["hits"] if h["real"]}  # type: ignore[union-attr]
    labelled_false = [h for h in data["hits"] if not h["real"]]  # type: ignore[union-attr]
    baseline_lines = sum(
        1
        for line in (CORPUS / "baseline.file").read_text().splitlines()
        if '"hashed_secret"' in line
    )
    detect_secrets_false = len(labelled_false) + baseline_lines
    ours_false = {hit for hit in secgate_hits() if hit not in real}
    assert len(ours_false) < detect_secrets_false
    assert not ours_false, f"secgate false positives: {sorted(ours_false)}"
