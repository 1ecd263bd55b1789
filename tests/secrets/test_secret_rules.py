"""Every bundled secret rule finds its provider's real token format and ignores look-alikes."""

from __future__ import annotations

import random

import pytest
from secret_samples import SAMPLES

from secgate.secrets.engine import Detector
from secgate.secrets.rules import load_rules

RULES = load_rules()
RULE_IDS = sorted(rule.id for rule in RULES.rules)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(RULES.rules)


def test_at_least_sixty_provider_rules_are_bundled() -> None:
    providers = [r for r in RULES.rules if r.kind != "generic"]
    assert len(providers) >= 60


def test_bundled_rule_files_validate_with_every_pattern_compiled_on_both_engines() -> None:
    from secgate.plugins import bundled_rules
    from secgate.secrets.rules import load_rule_file

    files = sorted(bundled_rules("secrets").glob("*.toml"))
    checked = [rule for path in files for rule in load_rule_file(path, check_regexes=True)[0]]
    assert [r.id for r in checked] == [r.id for r in RULES.rules]


def test_every_bundled_rule_has_positive_and_negative_samples() -> None:
    missing = [rule_id for rule_id in RULE_IDS if rule_id not in SAMPLES]
    without_negatives = [rule_id for rule_id, sample in SAMPLES.items() if not sample.negatives]
    stale = sorted(set(SAMPLES) - set(RULE_IDS))
    assert not missing, f"rules without tests: {missing}"
    assert not without_negatives, f"rules without negative samples: {without_negatives}"
    assert not stale, f"samples for rules that no longer exist: {stale}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_finds_a_token_in_the_providers_format(detector: Detector, rule_id: str) -> None:
    for seed in range(3):
        name, content, secret = SAMPLES[rule_id].positive(random.Random(f"{rule_id}-{seed}"))
        result = detector.scan_bytes(content.encode(), name)
        found = {(hit.rule.id, hit.secret.decode()) for hit in result.hits}
        assert (rule_id, secret) in found, f"{rule_id} missed its sample in {name}: {found}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_ignores_near_misses_and_placeholders(detector: Detector, rule_id: str) -> None:
    for name, content in SAMPLES[rule_id].negatives:
        result = detector.scan_bytes(content.encode(), name)
        fired = [hit.rule.id for hit in result.hits]
        assert not fired, f"{name}: {content!r} flagged by {fired}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_reports_the_secret_line_and_column(detector: Detector, rule_id: str) -> None:
    name, content, secret = SAMPLES[rule_id].positive(random.Random(rule_id))
    padded = "# header line\n\n" + content
    hits = [h for h in detector.scan_bytes(padded.encode(), name).hits if h.rule.id == rule_id]
    assert hits
    lines = padded.splitlines()
    index = padded.index(secret)
    line = padded.count("\n", 0, index) + 1
    assert hits[0].line == line
    assert hits[0].column == index - padded.rfind("\n", 0, index)
    assert lines[line - 1] in padded


def test_documented_aws_example_keys_are_not_reported(detector: Detector) -> None:
    from secret_samples import AWS_EXAMPLE_KEY_ID, AWS_EXAMPLE_SECRET

    text = (
        f'aws_access_key_id = "{AWS_EXAMPLE_KEY_ID}"\n'
        f'aws_secret_access_key = "{AWS_EXAMPLE_SECRET}"\n'
    )
    assert detector.scan_bytes(text.encode(), "settings.py").hits == []


def test_github_checksum_raises_confidence_and_a_bad_one_lowers_it(detector: Detector) -> None:
    from secret_samples import checksum_token

    good = checksum_token(random.Random(1), "ghp_")
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    hits = {
        h.secret.decode(): h.confidence
        for h in detector.scan_bytes(f'a = "{good}"\nb = "{bad}"\n'.encode(), "x.py").hits
    }
    assert hits[good].value == "high"
    assert hits[bad].value == "medium"


def test_generic_rules_only_run_on_their_file_types(detector: Detector) -> None:
    name, content, _ = SAMPLES["generic-secret-python"].positive(random.Random(3))
    assert detector.scan_bytes(content.encode(), name).hits
    assert not detector.scan_bytes(content.encode(), "notes.rst").hits


def test_provider_rule_wins_over_generic_rule_on_the_same_text(detector: Detector) -> None:
    from secret_samples import checksum_token

    token = checksum_token(random.Random(2), "ghp_")
    hits = detector.scan_bytes(f'GITHUB_TOKEN = "{token}"\n'.encode(), "ci.py").hits
    assert [h.rule.id for h in hits] == ["github-pat-classic"]


def test_the_repository_itself_holds_no_secret_shaped_strings(detector: Detector) -> None:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    found = []
    for rel in filter(None, listed.stdout.decode().split("\0")):
        path = root / rel
        if path.is_file():
            found += [(rel, h.line, h.rule.id) for h in detector.scan_file(path, rel).hits]
    assert found == []
