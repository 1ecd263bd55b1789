"""The detector on awkward input: binary, oversize, broken encodings, and context filters."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secret_samples import B62, HEX, SAMPLES, checksum_token, rand

from secgate.models import GapKind
from secgate.secrets.engine import Detector, PathContext, is_placeholder
from secgate.secrets.redact import preview, redact_line
from secgate.secrets.regex import engine_name
from secgate.secrets.rules import load_rules

RULES = load_rules().rules


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(RULES)


def token(seed: int = 0) -> str:
    return checksum_token(random.Random(seed), "ghp_")


def test_binary_file_is_skipped_with_reason(detector: Detector, tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + token().encode())
    result = detector.scan_file(path, "blob.bin")
    assert result.hits == []
    assert result.skipped is not None
    assert "binary" in result.skipped


def test_file_over_the_size_limit_is_skipped_before_reading(tmp_path: Path) -> None:
    small = Detector(RULES, max_file_size=100)
    path = tmp_path / "big.py"
    path.write_text(f'value = "{token()}"\n' + "#" * 200)
    result = small.scan_file(path, "big.py")
    assert result.hits == []
    assert result.skipped is not None
    assert "size limit" in result.skipped
    assert "max-file-size" in result.skipped


def test_default_size_limit_is_ten_megabytes() -> None:
    assert Detector(RULES).max_file_size == 10 * 1024 * 1024


def test_unreadable_file_is_skipped_not_raised(detector: Detector, tmp_path: Path) -> None:
    result = detector.scan_file(tmp_path / "missing.py", "missing.py")
    assert result.skipped is not None
    assert result.skipped.startswith("cannot read")


def test_invalid_utf8_around_a_secret_still_finds_it(detector: Detector) -> None:
    secret = token(1)
    data = b"\xff\xfe\xc3(" + f'\nvalue = "{secret}"  # caf\xe9\n'.encode("latin-1") + b"\x80\x81"
    hits = detector.scan_bytes(data, "legacy.py").hits
    assert [h.secret.decode() for h in hits] == [secret]
    assert hits[0].line == 2


def test_utf16_file_with_bom_is_decoded_and_scanned(detector: Detector) -> None:
    secret = token(2)
    data = codecs.BOM_UTF16_LE + f'value = "{secret}"\n'.encode("utf-16-le")
    hits = detector.scan_bytes(data, "windows.py").hits
    assert [h.secret.decode() for h in hits] == [secret]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_crash_the_detector(data: bytes) -> None:
    result = Detector(RULES).scan_bytes(data, "fuzz.py")
    assert result.skipped is None or result.kind in (GapKind.BINARY, GapKind.ENCODING)
    assert Detector(RULES).scan_bytes(data, "fuzz.bin").kind in (None, GapKind.BINARY)


@settings(max_examples=60, deadline=None)
@given(
    st.text(st.characters(blacklist_characters="\x00"), max_size=300),
    st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252"]),
)
def test_any_encoding_of_text_around_a_token_keeps_finding_it(text: str, encoding: str) -> None:
    secret = token(3)
    body = f"{text}\nvalue = '{secret}'\n{text}"
    data = body.encode(encoding, "replace")
    hits = Detector(RULES).scan_bytes(data, "mixed.py").hits
    assert secret.encode() in [h.secret for h in hits]


@pytest.mark.parametrize(
    ("marker", "reason"),
    [
        ("# secgate: allow", "inline:secgate-allow"),
        ("# pragma: allowlist secret", "inline:pragma-allowlist-secret"),
        ("# gitleaks:allow", "inline:gitleaks-allow"),
    ],
)
def test_inline_allow_comment_marks_the_hit_allowed(
    detector: Detector, marker: str, reason: str
) -> None:
    hits = detector.scan_bytes(f'value = "{token(4)}"  {marker}\n'.encode(), "app.py").hits
    assert len(hits) == 1
    assert hits[0].allowed_by == reason


def test_detect_secrets_nextline_pragma_allows_the_following_line(detector: Detector) -> None:
    text = f'# pragma: allowlist nextline secret\nvalue = "{token(5)}"\nother = "{token(6)}"\n'
    hits = detector.scan_bytes(text.encode(), "app.py").hits
    assert [h.allowed_by for h in hits] == ["inline:pragma-allowlist-secret", None]


def test_multiline_private_key_reports_its_first_line(detector: Detector) -> None:
    name, content, _ = SAMPLES["private-key"].positive(random.Random(7))
    hits = detector.scan_bytes(("x = 1\n\n" + content).encode(), name).hits
    assert [(h.rule.id, h.line) for h in hits] == [("private-key", 3)]
    assert hits[0].end_line > hits[0].line


@pytest.mark.parametrize(
    ("name", "line"),
    [
        # hex digests and test vectors next to hash words
        ("app.py", 'password_sha1 = "{hex40}"\n'),
        ("app.py", 'secret = "{hex40}"  # sha1 of the fixture\n'),
        ("checks.py", 'token_digest = "{hex64}"\n'),
        # git commit SHAs
        ("ci.yaml", "deploy_token_commit: {hex40}\n"),
        ("release.py", 'api_key = "{hex40}"  # commit of the release\n'),
        # UUIDs
        ("app.py", 'api_token = "{uuid}"\n'),
        ("app.py", 'api_key = "{uuid_tail}"\n'),
        # data URIs / base64 images
        ("page.json", '{{"token": "data:image/png;base64,iVBORw0KGgo{b62}"}}\n'),
        # password hashes, not passwords
        ("fixture.json", '{{"password": "pbkdf2_sha256$600000${b62}"}}\n'),
        # lock-file integrity hashes
        ("package-lock.json", '{{"token": "sha512-{b62}=="}}\n'),
        ("app.py", 'secret = "sha256-{b62}"\n'),
        # locale files
        ("locale/de/LC_MESSAGES/django.po", 'msgstr "password = {b62}"\n'),
        # field names, not values
        ("forms.py", 'password_field = "{b62}"\n'),
        ("models.py", 'token_type = "{b62}"\n'),
        # words and regular expressions
        ("models.py", "Model(password='IAmSensitive', password_bytes=b'IAmSensitiveBytes')\n"),
        ("plugin.py", "key_or_pass = r'(?:key|pwd|password|pass|token)'\n"),
        ("cli.py", '@mock_inputs({{"password": "cmd_password"}})\n'),
        # tests and docs: short values are fixtures
        ("tests/test_login.py", 'password = "Xk9mQ2vLp7"\n'),
        ("docs/setup.md", "password: Xk9mQ2vLp7\n"),
    ],
)
def test_context_filters_drop_hashes_ids_and_fixtures(
    detector: Detector, name: str, line: str
) -> None:
    rng = random.Random(name + line)
    text = line.format(
        hex40=rand(rng, HEX, 40),
        hex64=rand(rng, HEX, 64),
        uuid="-".join(rand(rng, HEX, n) for n in (8, 4, 4, 4, 12)),
        uuid_tail="-".join(rand(rng, HEX, n) for n in (4, 12)),
        b62=rand(rng, B62, 40),
    )
    assert detector.scan_bytes(text.encode(), name).hits == []


def test_secret_named_hex_value_without_hash_context_is_found(detector: Detector) -> None:
    value = rand(random.Random(8), HEX, 40)
    hits = detector.scan_bytes(f'hex_secret = "{value}"\n'.encode(), "app.py").hits
    assert [h.secret.decode() for h in hits] == [value]


def test_provider_token_is_found_in_tests_docs_and_lock_files(detector: Detector) -> None:
    for name in ("tests/test_api.py", "docs/index.md", "poetry.lock"):
        secret = token(9)
        hits = detector.scan_bytes(f"value = '{secret}'\n".encode(), name).hits
        assert [h.secret.decode() for h in hits] == [secret], name


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "xxxxxxxxxxxxxxxx",
        "<your-token>",
        "${API_TOKEN}",
        "changeme",
        "{{ secret }}",
        "password123",
        "hunter2",
        "000000000000",
        "your_api_key_here",
    ],
)
def test_placeholders_are_recognised(value: str) -> None:
    assert is_placeholder(value.encode())


def test_random_tokens_are_not_placeholders() -> None:
    rng = random.Random(10)
    assert not any(is_placeholder(rand(rng, B62, 36).encode()) for _ in range(200))


def test_path_context_classifies_tests_docs_locale_and_lock_files() -> None:
    assert PathContext.of("pkg/tests/test_x.py").tests
    assert PathContext.of("docs/guide.rst").docs
    assert PathContext.of("app/locale/fr/LC_MESSAGES/django.po").locale
    assert PathContext.of("frontend/package-lock.json").lockfile
    assert PathContext.of("app/models.py") == PathContext()


def test_both_regex_engines_find_the_same_hits() -> None:
    if engine_name() != "re2":
        pytest.skip("google-re2 is not installed here")
    fast, slow = Detector(RULES, engine="re2"), Detector(RULES, engine="re")
    assert fast.engine == "re2"
    assert slow.engine == "re"
    for rule_id, sample in SAMPLES.items():
        name, content, _ = sample.positive(random.Random(rule_id))
        a = [(h.rule.id, h.start, h.end) for h in fast.scan_bytes(content.encode(), name).hits]
        b = [(h.rule.id, h.start, h.end) for h in slow.scan_bytes(content.encode(), name).hits]
        assert a == b, rule_id


def test_a_crafted_line_does_not_make_the_scan_backtrack() -> None:
    if engine_name() != "re2":
        pytest.skip("the linear-time guarantee comes from google-re2")
    import time

    line = "password" + "=" * 5 + " '" + "a" * 200_000 + "\n"
    started = time.perf_counter()
    Detector(RULES).scan_bytes(line.encode() * 5, "evil.py")
    assert time.perf_counter() - started < 5


def test_preview_shows_a_few_leading_characters_and_the_length() -> None:
    assert preview(b"ghp_" + b"a" * 36) == "ghp_\u2026(40 chars)"
    assert preview(b"short") == "s\u2026(5 chars)"
    assert preview(b"abc") == "\u2026(3 chars)"


def test_redacted_line_hides_every_secret_and_other_random_tokens() -> None:
    rng = random.Random(11)
    first, second = rand(rng, B62, 30), rand(rng, B62, 24)
    line = f'KEYS = ("{first}", "{second}")'.encode()
    start = line.index(first.encode())
    shown = redact_line(line, [(start, start + len(first), preview(first.encode()))])
    assert first not in shown
    assert second not in shown
    assert shown.startswith('KEYS = ("')


def test_redacted_line_is_cut_around_the_secret_on_long_lines() -> None:
    secret = token(12).encode()
    line = b"a = 1; " * 500 + secret + b"; b = 2" * 500
    start = line.index(secret)
    shown = redact_line(line, [(start, start + len(secret), preview(secret))])
    assert len(shown) < 260
    assert "ghp_\u2026(40 chars)" in shown
