"""A secret's value never reaches a report, in any registered format, or a log line."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secret_samples import SAMPLES

import secgate
from secgate.config import Config
from secgate.plugins import make_plugin_host
from secgate.scanners.secrets import SecretsOptions, SecretsScanner

WINDOW = 12


def fragments(secret: str) -> set[str]:
    """Every 12-character stretch of the secret's lines: none may be shown anywhere."""
    out: set[str] = set()
    for raw in secret.replace("\\n", "\n").splitlines():
        part = raw.strip()
        if part.startswith(("-----", "PuTTY-", "Encryption", "Comment")):
            continue  # the armour lines are the same in every key, not the secret
        for i in range(max(1, len(part) - WINDOW + 1)):
            piece = part[i : i + WINDOW]
            if len(piece) == WINDOW:
                out.add(piece)
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    rule_ids=st.lists(st.sampled_from(sorted(SAMPLES)), min_size=1, max_size=4, unique=True),
    allowed=st.booleans(),
)
def test_no_secret_value_appears_in_any_report_format(
    tmp_path_factory: pytest.TempPathFactory,
    caplog: pytest.LogCaptureFixture,
    seed: int,
    rule_ids: list[str],
    allowed: bool,
) -> None:
    root = tmp_path_factory.mktemp("redaction")
    secrets: list[str] = []
    for index, rule_id in enumerate(rule_ids):
        name, content, secret = SAMPLES[rule_id].positive(random.Random(seed + index))
        if allowed and index == 0:
            content = content.replace("\n", "  # secgate: allow\n", 1)
        path = root / str(index) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        secrets.append(secret)
    with caplog.at_level(logging.DEBUG):
        verdict = secgate.check(root, config=Config(), scanners=["secrets"])
    found = {f.rule_id for f in verdict.findings}
    assert set(rule_ids) <= found, f"not every generated secret was found: {set(rule_ids) - found}"
    outputs = {"log": caplog.text, "model": repr(verdict)}
    for name, reporter in make_plugin_host().reporters().items():
        for color in (False, True):
            outputs[f"{name}{'/color' if color else ''}"] = reporter().render(verdict, color=color)
    for secret in secrets:
        pieces = fragments(secret)
        for where, text in outputs.items():
            leaked = [p for p in pieces if p in text]
            assert not leaked, f"{where} shows part of a secret: {len(leaked)} fragment(s)"
    token = SecretsScanner().cache_token(SecretsOptions())
    assert not any(p in token for s in secrets for p in fragments(s))


def test_every_registered_reporter_is_exercised() -> None:
    assert {"text", "json", "sarif"} <= set(make_plugin_host().reporters())


def test_rule_file_error_messages_do_not_quote_file_content(tmp_path: Path) -> None:
    """A bad rule file's error names file, rule and key, not the text being scanned."""
    from secgate.errors import ConfigError
    from secgate.secrets.rules import load_rule_file

    path = tmp_path / "r.toml"
    path.write_text('schema = "secgate-secrets/1"\n[[rules]]\nid = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_rule_file(path)
    assert str(info.value).startswith(str(path))


def test_result_cache_never_stores_a_secret_value(tmp_path: Path) -> None:
    import sqlite3
    import zlib

    from secgate.cache import CACHE_FILE

    project = tmp_path / "project"
    project.mkdir()
    secrets = []
    for index, rule_id in enumerate(("github-pat-classic", "private-key", "generic-secret-python")):
        name, content, secret = SAMPLES[rule_id].positive(random.Random(index))
        (project / f"{index}_{name.replace('/', '_')}").write_text(content)
        secrets.append(secret)
    cache_dir = tmp_path / "cache"
    config = Config(respect_gitignore=False, cache=True, cache_dir=str(cache_dir))
    first = secgate.check(project, config=config, scanners=["secrets"])
    second = secgate.check(project, config=config, scanners=["secrets"])
    assert second.scanner("secrets").details.get("cache_hits") == 3
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]
    database = cache_dir / CACHE_FILE
    raw = database.read_bytes()
    with sqlite3.connect(database) as connection:
        values = [
            zlib.decompress(v[32:]) for (v,) in connection.execute("SELECT value FROM results")
        ]
    assert values
    for secret in secrets:
        for piece in fragments(secret):
            assert piece.encode() not in raw
            assert not any(piece.encode() in value for value in values)
