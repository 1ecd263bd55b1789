"""gitleaks-format rule files: loading, Go regex translation, conversion, and the CLI."""

from __future__ import annotations

import io
import random
import textwrap
from pathlib import Path

import pytest
from secret_samples import B62, rand

from secgate.cli import main
from secgate.errors import ConfigError
from secgate.secrets.engine import Detector
from secgate.secrets.regex import RegexSyntaxError, compile_pattern
from secgate.secrets.rules import (
    load_rule_file,
    load_rules,
    parse_secgate_rules,
    translate_go_regex,
)

GITLEAKS = textwrap.dedent(
    """\
    title = "team rules"

    [extend]
    useDefault = true

    [allowlist]
    description = "global"
    paths = ['''(?:^|/)vendor/''']

    [[rules]]
    id = "acme-api-token"
    description = "ACME API token"
    regex = '''(?i)acme[\\w.-]{0,20}(?:token|key)['"]?\\s*[:=]\\s*['"]?(acme_[a-z0-9]{32})\\b'''
    secretGroup = 1
    entropy = 3.0
    keywords = ["acme_"]
    tags = ["internal"]

      [[rules.allowlists]]
      regexTarget = "line"
      regexes = ['''fixture''']
      stopwords = ["acme_ffff"]

    [[rules]]
    id = "acme-session"
    description = "ACME session id"
    regex = '''sess-[[:alnum:]]{24}\\z'''
    path = '''\\.cfg$'''
    keywords = ["sess-"]
    """
)


def acme_token(seed: int) -> str:
    return "acme_" + rand(random.Random(seed), "abcdefghijklmnopqrstuvwxyz0123456789", 32)


@pytest.fixture
def gitleaks_file(tmp_path: Path) -> Path:
    path = tmp_path / ".gitleaks.toml"
    path.write_text(GITLEAKS)
    return path


def test_gitleaks_file_loads_with_keywords_entropy_paths_and_allowlists(
    gitleaks_file: Path,
) -> None:
    rules, notes = load_rule_file(gitleaks_file)
    by_id = {r.id: r for r in rules}
    assert set(by_id) == {"acme-api-token", "acme-session"}
    token_rule = by_id["acme-api-token"]
    assert token_rule.secret_group == 1
    assert token_rule.entropy == 3.0
    assert token_rule.keywords == ("acme_",)
    assert token_rule.severity.value == "high"
    assert any("useDefault" in note for note in notes)
    # the global allowlist applies to every rule
    assert all(any(a.paths for a in r.allowlists) for r in rules)


def test_gitleaks_rules_find_and_allow_like_gitleaks(gitleaks_file: Path) -> None:
    rules, _ = load_rule_file(gitleaks_file)
    detector = Detector(rules)
    found = acme_token(1)
    hits = detector.scan_bytes(f'ACME_TOKEN = "{found}"\n'.encode(), "app.py").hits
    assert [h.secret.decode() for h in hits] == [found]
    # allowlisted by line regex, by stopword, and by the global path allowlist
    assert not detector.scan_bytes(f'acme_token = "{found}"  # fixture\n'.encode(), "a.py").hits
    assert not detector.scan_bytes(b'acme_key = "acme_ffff' + b"1" * 28 + b'"\n', "a.py").hits
    assert not detector.scan_bytes(f'ACME_TOKEN = "{found}"\n'.encode(), "vendor/x.py").hits
    session = "sess-" + rand(random.Random(2), B62, 24)
    assert detector.scan_bytes(f"id = {session}".encode(), "app.cfg").hits
    assert not detector.scan_bytes(f"id = {session}".encode(), "app.py").hits


@pytest.mark.parametrize(
    ("go", "python"),
    [
        ("abc(?i)def", "abc(?i:def)"),
        ("(x(?i)ab)c", "(x(?i:ab))c"),
        ("(?i)key=([a-z]+)", "(?i)key=([a-z]+)"),
        ("end\\z", "end$"),
        ("[[:alnum:]_]{4}", "[0-9A-Za-z_]{4}"),
        ("\\Qa.b\\E+", "a\\.b+"),
    ],
)
def test_go_regex_syntax_is_translated(go: str, python: str) -> None:
    translated = translate_go_regex(go)
    assert translated == python
    compile_pattern(translated, "re")


@pytest.mark.parametrize("go", ["\\pL+", "\\p{Greek}", "(?U)a+", "a\\Cb"])
def test_go_regex_python_cannot_read_is_rejected_with_the_reason(go: str) -> None:
    with pytest.raises(RegexSyntaxError, match="not supported"):
        translate_go_regex(go)


def test_bad_gitleaks_rule_is_a_config_error_naming_file_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[rules]]\nid = 'x'\nregex = '''(unclosed'''\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: rules\[0\] \(x\): regex"):
        load_rule_file(path)
    path.write_text("[[rules]]\nid = 'y'\npath = '''\\.pem$'''\n")
    with pytest.raises(ConfigError, match=r"path-only rules\) are not supported"):
        load_rule_file(path)


def test_secgate_rule_file_rejects_unknown_keys(tmp_path: Path) -> None:
    data = {
        "schema": "secgate-secrets/1",
        "rules": [
            {"id": "x", "description": "d", "regex": "a", "keywords": ["a"], "sevrity": "low"}
        ],
    }
    with pytest.raises(ConfigError, match="sevrity: unknown key"):
        parse_secgate_rules(data, "custom.toml")


def test_import_gitleaks_converts_to_a_secgate_rule_file(
    gitleaks_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "converted.toml"
    stdout = io.StringIO()
    code = main(["rules", "import-gitleaks", str(gitleaks_file), "-o", str(out)], stdout=stdout)
    assert code == 0
    assert "wrote 2 rule(s)" in stdout.getvalue()
    assert 'rules = ["' in stdout.getvalue()
    converted, _ = load_rule_file(out)
    original, _ = load_rule_file(gitleaks_file)
    assert [(r.id, r.regex, r.keywords, r.entropy) for r in converted] == [
        (r.id, r.regex, r.keywords, r.entropy) for r in original
    ]
    detector = Detector(converted)
    found = acme_token(3)
    assert detector.scan_bytes(f'ACME_TOKEN = "{found}"\n'.encode(), "app.py").hits


def test_import_gitleaks_without_output_only_validates(gitleaks_file: Path) -> None:
    stdout = io.StringIO()
    assert main(["rules", "import-gitleaks", str(gitleaks_file)], stdout=stdout) == 0
    assert "2 gitleaks rule(s) load" in stdout.getvalue()


def test_import_gitleaks_reports_a_bad_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[rules]]\nid = 'z'\nregex = '''\\pL'''\n")
    stderr = io.StringIO()
    assert main(["rules", "import-gitleaks", str(path)], stderr=stderr) == 2
    assert stderr.getvalue().count("\n") == 1
    assert "not supported" in stderr.getvalue()


def test_extra_rule_file_can_replace_a_bundled_rule(tmp_path: Path) -> None:
    path = tmp_path / "override.toml"
    path.write_text(
        'schema = "secgate-secrets/1"\n[[rules]]\nid = "jwt"\ndescription = "mine"\n'
        "regex = '''x'''\nkeywords = ['x']\n"
    )
    ruleset = load_rules([path])
    assert ruleset.by_id()["jwt"].description == "mine"
    assert any("replaces the bundled one" in n for n in ruleset.notes)


def test_disabling_an_unknown_rule_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown rule id"):
        load_rules(disabled=["no-such-rule"])


def test_gitleaks_rule_without_keywords_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "nokw.toml"
    path.write_text("[[rules]]\nid = 'hexish'\nregex = '''[a-z]{3}_([0-9a-f]{32})\\b'''\n")
    rules, notes = load_rule_file(path)
    assert any("no keywords" in note for note in notes)
    secret = rand(random.Random(5), "0123456789abcdef", 32)
    data = f"one\ntwo = xyz_{secret}\nthree\n".encode()
    hits = Detector(rules).scan_bytes(data, "a.txt").hits
    assert [(h.secret.decode(), h.line) for h in hits] == [(secret, 2)]
    assert Detector(rules, engine="re").scan_bytes(data, "a.txt").hits
