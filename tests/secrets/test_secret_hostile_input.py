"""The detector on input a hostile repository crafts (issue 13 §2).

Many keys on one line must not make detection super-linear; a key block padded past any
look-ahead must still be found; a NUL byte must not hide a shell or dotenv file; a
declared Python source coding must not hide a key; every gap names its kind.
"""

from __future__ import annotations

import base64
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from secret_samples import B32, B62, pem_body, rand

from secgate.models import GapKind
from secgate.secrets.engine import Detector, mostly_text, python_source_view, text_by_name
from secgate.secrets.rules import load_rules

RULES = load_rules().rules
BEGIN = "-----BEGIN "
END = "-----END "
KEY_KIND = "RSA " + "PRIVATE KEY-----"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(RULES)


def aws_keys(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    keys: set[str] = set()
    while len(keys) < count:
        keys.add("AKIA" + rand(rng, B32, 16))
    return sorted(keys)


def key_block(rng: random.Random, padding: int = 0) -> str:
    """A PEM private key whose first body line is followed by *padding* spaces."""
    body = pem_body(rng).split("\n")
    body[0] += " " * padding
    return BEGIN + KEY_KIND + "\n" + "\n".join(body) + "\n" + END + KEY_KIND + "\n"


# --------------------------------------------------------------------------- many hits


def test_two_thousand_keys_on_one_line_are_all_found_in_linear_time(detector: Detector) -> None:
    keys = aws_keys(2000)
    line = " ".join(keys).encode()
    started = time.perf_counter()
    hits = detector.scan_bytes(line + b"\n", "keys.txt").hits
    elapsed = time.perf_counter() - started
    assert sorted(h.secret.decode() for h in hits) == keys
    assert {h.line for h in hits} == {1}
    columns = sorted(h.column for h in hits)
    assert columns == [1 + 21 * i for i in range(2000)]  # 20 characters and a space each
    assert elapsed < 10, f"2,000 keys on one line took {elapsed:.1f} s (was over 110 s)"


def test_column_counts_characters_not_bytes_on_a_long_line(detector: Detector) -> None:
    keys = aws_keys(300, seed=1)
    line = " é ".join(keys).encode()
    hits = sorted(detector.scan_bytes(line, "keys.txt").hits, key=lambda h: h.start)
    text = line.decode()
    assert [h.column for h in hits] == [text.index(k) + 1 for k in keys]


def test_many_keyword_less_rule_hits_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("[[rules]]\nid = 'hexish'\nregex = '''[a-z]{3}_([0-9a-f]{32})\\b'''\n")
    detector = Detector(load_rules([path], bundled=False).rules)
    rng = random.Random(3)
    values = [rand(rng, "0123456789abcdef", 32) for _ in range(1500)]
    line = " ".join(f"xyz_{v}" for v in values).encode()
    hits = detector.scan_bytes(line, "a.txt").hits
    assert sorted(h.secret.decode() for h in hits) == sorted(values)


def test_line_allowlist_is_applied_to_every_hit_of_a_long_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        "[[rules]]\nid = 'acme'\nregex = '''\\b(acme_[0-9a-f]{24})\\b'''\nkeywords = ['acme_']\n"
        "[rules.allowlist]\nregexTarget = 'line'\nregexes = ['''FIXTURE-LINE''']\n"
    )
    detector = Detector(load_rules([path], bundled=False).rules)
    rng = random.Random(4)
    values = [f"acme_{rand(rng, '0123456789abcdef', 24)}" for _ in range(1000)]
    line = " ".join(values)
    assert len(detector.scan_bytes(line.encode(), "a.txt").hits) == 1000
    assert detector.scan_bytes((line + " FIXTURE-LINE").encode(), "a.txt").hits == []


# --------------------------------------------------------------------------- key blocks


@pytest.mark.parametrize("padding", [70 * 1024, 1024 * 1024])
def test_private_key_padded_past_any_look_ahead_is_found(detector: Detector, padding: int) -> None:
    block = key_block(random.Random(padding), padding)
    hits = detector.scan_bytes(("x = 1\n" + block).encode(), "deploy.pem").hits
    assert [(h.rule.id, h.line) for h in hits] == [("private-key", 2)]
    assert hits[0].end_line == 2 + block.count("\n") - 1


def test_key_body_with_long_runs_is_still_a_key(detector: Detector) -> None:
    """Every OpenSSH key body holds runs such as ``AAAAAAAA``; indentation is whitespace."""
    rng = random.Random(8)
    body = "\n".join(
        "      " + ("AAAAAAAAAAAA" if i == 0 else "") + rand(rng, B62, 52) for i in range(5)
    )
    text = f"key: |\n      {BEGIN}{KEY_KIND}\n{body}\n      {END}{KEY_KIND}\n"
    hits = detector.scan_bytes(text.encode(), "deploy.yaml").hits
    assert [h.rule.id for h in hits] == ["private-key"]


def test_many_unterminated_key_headers_stay_linear(detector: Detector) -> None:
    data = ((BEGIN + KEY_KIND + "\n") * 40_000).encode()
    started = time.perf_counter()
    assert detector.scan_bytes(data, "keys.txt").hits == []
    assert time.perf_counter() - started < 10


def test_nested_key_headers_report_one_block(detector: Detector) -> None:
    rng = random.Random(9)
    block = key_block(rng)
    text = BEGIN + KEY_KIND + "\n" + block
    hits = detector.scan_bytes(text.encode(), "keys.txt").hits
    assert [(h.rule.id, h.line) for h in hits] == [("private-key", 1)]


# --------------------------------------------------------------------------- NUL bytes


@pytest.mark.parametrize("name", [".env", ".env.production", "deploy.sh", "Dockerfile", "a.ini"])
def test_a_nul_byte_does_not_hide_a_text_file(detector: Detector, name: str) -> None:
    [key] = aws_keys(1, seed=11)
    data = b"\x00" + f"export AWS_ACCESS_KEY_ID={key}\x00\n".encode()
    result = detector.scan_bytes(data, name)
    assert result.skipped is None
    assert [(h.secret.decode(), h.line) for h in result.hits] == [(key, 1)]


def test_mostly_text_content_is_scanned_despite_a_nul(detector: Detector) -> None:
    [key] = aws_keys(1, seed=12)
    data = ("# settings\n" * 20 + f"key {key}\n").encode() + b"\x00"
    result = detector.scan_bytes(data, "settings")
    assert result.skipped is None
    assert [h.secret.decode() for h in result.hits] == [key]


def test_a_binary_file_stays_skipped_as_binary(detector: Detector) -> None:
    [key] = aws_keys(1, seed=13)
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8 + key.encode()
    result = detector.scan_bytes(data, "logo.png")
    assert result.hits == []
    assert result.kind is GapKind.BINARY
    assert "binary" in (result.skipped or "")


def test_text_by_name_and_mostly_text() -> None:
    assert all(
        text_by_name(n)
        for n in (".env", "app/.env.local", "x.bash", "x.zsh", "a.ps1", "c.cfg", "d.conf")
    )
    assert all(text_by_name(n) for n in ("e.toml", "f.yml", "g.yaml", "h.json", "i.properties"))
    assert not text_by_name("logo.png")
    assert mostly_text(b"A=1\x00\n" + b"B=2\n" * 10)
    assert not mostly_text(bytes(range(256)))
    assert not mostly_text(b"\x00\x01" * 100)


# --------------------------------------------------------------------------- source codings


def utf7_hidden(text: str) -> str:
    """*text* spelled in UTF-7's base64 form, so that no ASCII letter of it shows."""
    encoded = base64.b64encode(text.encode("utf-16-be")).decode().rstrip("=")
    return f"+{encoded}-"


def python_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def runs_to(path: Path) -> str:
    """What Python itself prints running *path* (the key it decodes)."""
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.strip()


def test_utf7_source_coding_does_not_hide_a_key(detector: Detector, tmp_path: Path) -> None:
    [key] = aws_keys(1, seed=14)
    statement = f'KEY = "{key}"'
    data = f"# coding: utf-7\nimport sys\n{utf7_hidden(statement)}\nprint(KEY)\n".encode()
    path = python_file(tmp_path, "hidden.py", data)
    assert runs_to(path) == key  # Python decodes it: the key is live
    assert detector.scan_bytes(data, "hidden.txt").hits == []  # the bytes alone hide it
    result = detector.scan_file(path, "hidden.py")
    assert result.skipped is None
    [hit] = result.hits
    assert (hit.secret.decode(), hit.line, hit.decoded_from) == (key, 3, "utf-7")


@pytest.mark.parametrize("codec", ["unicode_escape", "raw_unicode_escape"])
def test_escape_source_codings_do_not_hide_a_key(
    detector: Detector, tmp_path: Path, codec: str
) -> None:
    [key] = aws_keys(1, seed=15)
    spelled = "".join(f"\\u{ord(c):04x}" for c in key)
    data = f'# -*- coding: {codec} -*-\nKEY = "{spelled}"\nprint(KEY)\n'.encode()
    path = python_file(tmp_path, "esc.py", data)
    assert runs_to(path) == key
    assert detector.scan_bytes(data, "esc.txt").hits == []
    [hit] = detector.scan_file(path, "esc.py").hits
    assert hit.secret.decode() == key
    assert hit.decoded_from == codec.replace("_", "-")


def test_an_unknown_source_coding_is_an_encoding_gap(detector: Detector) -> None:
    [key] = aws_keys(1, seed=16)
    data = f'# coding: no-such-codec\nKEY = "{key}"\n'.encode()
    result = detector.scan_bytes(data, "odd.py")
    assert result.kind is GapKind.ENCODING
    assert "no-such-codec" in (result.skipped or "")
    assert [h.secret.decode() for h in result.hits] == [key]  # its bytes are still scanned


def test_plain_and_latin1_sources_need_no_second_view() -> None:
    assert python_source_view(b"x = 1\n").text is None
    latin = "# coding: latin-1\nx = 'caf\xe9'\n".encode("latin-1")
    view = python_source_view(latin)
    assert view.problem is None
    assert view.codec == "iso8859-1"
