"""The detection benchmark's labelled suite is whole: manifest and case files agree.

No scanning here (benchmarks/detection/score.py measures); this only keeps the suite honest:
every listed file exists and is valid Python, every case file is listed, labels are booleans,
families are secgate's own, and each family has enough true and false cases to score.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import Counter

from secgate.families import FAMILIES
from tests.conftest import REPO

SUITE = REPO / "benchmarks" / "detection"
CASES = SUITE / "cases"
NAME = re.compile(r"(?P<framework>[a-z]+)_\d{2}_(?P<label>true|false)\.py")
FRAMEWORKS = {"flask", "django", "fastapi", "script"}
MIN_PER_LABEL = 8


def _manifest() -> dict[str, dict[str, object]]:
    return tomllib.loads((SUITE / "manifest.toml").read_text(encoding="utf-8"))


def test_every_listed_case_exists_and_compiles() -> None:
    manifest = _manifest()
    assert len(manifest) >= 300
    for rel in manifest:
        path = CASES / rel
        assert path.is_file(), rel
        compile(path.read_text(encoding="utf-8"), str(path), "exec", flags=ast.PyCF_ONLY_AST)


def test_every_case_file_is_listed() -> None:
    on_disk = {
        p.relative_to(CASES).as_posix()
        for p in CASES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert on_disk == set(_manifest())


def test_entries_are_well_formed_and_agree_with_their_paths() -> None:
    for rel, entry in _manifest().items():
        assert set(entry) == {"family", "cwe", "label", "framework", "why"}, rel
        assert isinstance(entry["label"], bool), rel
        family, name = rel.split("/")
        match = NAME.fullmatch(name)
        assert match is not None, rel
        assert entry["family"] == family, rel
        assert family in FAMILIES, rel
        assert isinstance(entry["cwe"], int), rel
        assert entry["cwe"] in FAMILIES[family], rel
        assert entry["framework"] == match["framework"], rel
        assert entry["framework"] in FRAMEWORKS, rel
        assert entry["label"] is (match["label"] == "true"), rel
        assert isinstance(entry["why"], str), rel
        assert entry["why"].strip(), rel


def test_each_family_has_enough_true_and_false_cases() -> None:
    counts = Counter((entry["family"], entry["label"]) for entry in _manifest().values())
    families = {family for family, _ in counts}
    assert families >= set(FAMILIES) - {"tls-verification", "hardcoded-secret"}
    short = {
        (family, label): counts[(family, label)]
        for family in families
        for label in (True, False)
        if counts[(family, label)] < MIN_PER_LABEL
    }
    assert short == {}
