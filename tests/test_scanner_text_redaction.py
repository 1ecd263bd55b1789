"""No scanner's text carries a secret's value into a report or the cache (issue 13 §1).

Bandit flags a shell call on a line holding a GitHub token; semgrep skips a file whose
syntax error quotes an AWS key id. Their snippets, messages and skip reasons go through
:func:`secgate.secrets.redact.redact_text` before the cache stores them or a report shows
them. Every token here is built at test time: the repository holds no secret-shaped literal.
"""

from __future__ import annotations

import random
import sqlite3
import string
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secgate
from secgate.models import Finding, Severity, SkippedFile
from secgate.plugins import make_plugin_host
from secgate.secrets.redact import redact_finding, redact_skipped, redact_text

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
TAG_BYTES = 32  # the HMAC tag in front of each cached value


def github_token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choices(ALNUM, k=36))


def aws_key_id(rng: random.Random) -> str:
    return "AKIA" + "".join(rng.choices(UPPER_ALNUM, k=16))


@pytest.fixture
def tokens() -> tuple[str, str]:
    rng = random.SystemRandom()
    return github_token(rng), aws_key_id(rng)


def _assert_clean(text: str | bytes, secrets: tuple[str, ...]) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    for secret in secrets:
        assert secret.encode() not in data


def _rendered(verdict: secgate.Verdict) -> dict[str, str | bytes]:
    reporters = make_plugin_host().reporters()
    return {name: reporters[name]().render(verdict) for name in ("json", "sarif", "text", "junit")}


def _check(tree: Path, cache: Path) -> secgate.Verdict:
    return secgate.check(
        tree, scanners=["bandit", "semgrep", "secrets"], overrides={"cache_dir": str(cache)}
    )


def test_reports_and_cache_hold_no_token_that_other_scanners_quote(
    tmp_path: Path, tokens: tuple[str, str]
) -> None:
    github, aws = tokens
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "run.py").write_text(
        f"import os\nos.system(\"curl -H 'Authorization: token {github}'\")\n"
    )
    (tree / "bad.py").write_text(f"x = (\n{aws} {aws}\n")
    (tree / "probe.py").write_text(f"token = {aws} {github}\n")
    cache = tmp_path / "cache"  # outside the scanned tree
    first = _check(tree, cache)
    second = _check(tree, cache)  # answered from the cache
    assert second.scanner("bandit").details.get("cache_hits")
    for verdict in (first, second):
        # bandit's B605 on the token's line: a finding of its own, or merged into the pack's
        # finding for the same shell call (one issue, one finding); either way redacted.
        shell = [
            f
            for f in verdict.findings
            if (f.scanner, f.rule_id) == ("bandit", "B605")
            or any((r.scanner, r.rule_id) == ("bandit", "B605") for r in f.related)
        ]
        assert shell, "bandit should flag the os.system call on the token's line"
        assert all("ghp_\N{HORIZONTAL ELLIPSIS}(40 chars)" in (f.snippet or "") for f in shell)
        reasons = [s.reason for s in verdict.scanner("semgrep").coverage.skipped]
        assert any("AKIA\N{HORIZONTAL ELLIPSIS}(20 chars)" in r for r in reasons), reasons
        _assert_clean(verdict.model_dump_json(), tokens)
        for name, text in _rendered(verdict).items():
            assert text, name
            _assert_clean(text, tokens)
    database = cache / "results.sqlite3"
    _assert_clean(database.read_bytes(), tokens)
    with sqlite3.connect(database) as connection:
        values = [bytes(v) for (v,) in connection.execute("SELECT value FROM results")]
    assert values
    for value in values:
        _assert_clean(zlib.decompress(value[TAG_BYTES:]), tokens)


def test_bare_aws_key_id_is_a_secrets_finding(tmp_path: Path) -> None:
    rng = random.SystemRandom()
    github, aws = github_token(rng), aws_key_id(rng)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "probe.py").write_text(f"token = {aws} {github}\n")
    verdict = secgate.check(tree, scanners=["secrets"], overrides={"cache": False})
    rules = {f.rule_id for f in verdict.findings if f.scanner == "secrets"}
    assert {"aws-access-key-id", "github-pat-classic"} <= rules


def test_redact_text_redacts_rule_hits_and_url_credentials() -> None:
    rng = random.SystemRandom()
    github, aws = github_token(rng), aws_key_id(rng)
    text = f"line one\nSyntax error at line bad.py:1: `{aws}` was unexpected\ncurl {github}"
    out = redact_text(text)
    assert aws not in out
    assert github not in out
    assert "`AKIA\N{HORIZONTAL ELLIPSIS}(20 chars)` was unexpected" in out
    assert out.startswith("line one\n")
    password = "".join(rng.choices(ALNUM, k=12))
    at = "@"  # kept apart so this source holds no credential-shaped URL
    assert redact_text(f"fetch https://bob:{password}{at}host.invalid/x failed") == (
        "fetch https://***@host.invalid/x failed"
    )
    assert redact_text(out) == out  # a preview is not redacted again


def test_text_without_a_secret_is_returned_as_is() -> None:
    text = "subprocess call - check for execution of untrusted input."
    assert redact_text(text) is text
    finding = Finding(
        scanner="bandit",
        rule_id="B603",
        severity=Severity.LOW,
        message=text,
        path="a.py",
        line=1,
        snippet="subprocess.call(['ls', '-l'])",
        properties={"note": "nothing here", "count": 3},
    )
    assert redact_finding(finding) is finding
    skipped = SkippedFile(path="a.py", reason="syntax error: '(' was never closed")
    assert redact_skipped(skipped) is skipped


def test_redact_finding_covers_snippet_message_and_properties() -> None:
    rng = random.SystemRandom()
    github = github_token(rng)
    finding = Finding(
        scanner="semgrep",
        rule_id="python.lang.security.audit",
        severity=Severity.HIGH,
        message=f"call with {github}",
        path="a.py",
        line=1,
        snippet=f'1 import os\n2 os.system("curl {github}")\n3 pass',
        properties={"matched": github, "count": 2},
    )
    out = redact_finding(finding)
    _assert_clean(out.model_dump_json(), (github,))
    assert out.properties["count"] == 2
    assert out.snippet is not None and out.snippet.startswith("1 import os\n")


def test_secrets_scanner_findings_are_left_as_they_are() -> None:
    finding = Finding(
        scanner="secrets",
        rule_id="github-pat-classic",
        severity=Severity.CRITICAL,
        message="GitHub personal access token (classic) (ghp_\N{HORIZONTAL ELLIPSIS}(40 chars))",
        path="a.py",
        line=1,
    )
    assert redact_finding(finding) is finding


@settings(max_examples=60, deadline=None)
@given(
    rng=st.randoms(use_true_random=False),
    prefix=st.text(alphabet=" =:(`'\"\n", max_size=12),
)
def test_generated_tokens_never_survive_redact_text(rng: random.Random, prefix: str) -> None:
    from secgate.secrets.engine import is_placeholder  # noqa: PLC0415
    from secgate.secrets.rules import shannon_entropy  # noqa: PLC0415

    gh_token, aws_id = github_token(rng), aws_key_id(rng)
    text = f"{prefix}{gh_token} and {aws_id}\n{prefix}`{aws_id}`"
    out = redact_text(text)
    for token in (gh_token, aws_id):
        # Runs such as ``AAAA…`` and values under the rules' entropy floor (3 bits a
        # character) are no secret to the rules; every other generated token is.
        if not is_placeholder(token.encode()) and shannon_entropy(token) >= 3.0:
            assert token not in out
    assert redact_text(out) == out


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=ALNUM + " =:_\n`'", max_size=120))
def test_whatever_the_rules_find_is_gone(text: str) -> None:
    from secgate.secrets.redact import _bundled_detector  # noqa: PLC0415

    found = _bundled_detector().scan_bytes(text.encode(), "scanner-output.txt").hits
    out = redact_text(text)
    for hit in found:
        assert hit.secret.decode() not in out


def test_only_the_very_findings_the_cache_prepared_skip_redaction(tmp_path: Path) -> None:
    # The result cache replays findings it stored redacted and fingerprinted; the engine
    # trusts exactly those objects. A finding a later hook wrapper put beside (or in place
    # of) them is redacted and fingerprinted as usual.
    import dataclasses  # noqa: PLC0415

    from secgate.api import ScanContext  # noqa: PLC0415
    from secgate.config import Config  # noqa: PLC0415
    from secgate.jobs import Job, LineCache, PreparedOutput, collect_result  # noqa: PLC0415

    github = github_token(random.SystemRandom())
    (tmp_path / "a.py").write_text(f'import os\nos.system("curl {github}")\n', encoding="utf-8")
    scanner = make_plugin_host().scanners()["bandit"].cls()
    context = ScanContext(
        root=tmp_path, files=("a.py",), options=scanner.Options(), config=Config()
    )
    prepared = Finding(
        scanner="bandit",
        rule_id="B605",
        severity=Severity.HIGH,
        message="a shell is started",
        path="a.py",
        line=2,
        fingerprint="0" * 32,
    )
    raw = prepared.model_copy(update={"message": f"call with {github}", "fingerprint": ""})
    output = dataclasses.replace(PreparedOutput.of([prepared]), findings=[prepared, raw])
    job = Job(scanner=scanner, context=context, required=True)
    job.future.set_result(output)
    _, findings = collect_result(job, LineCache(tmp_path))
    assert findings[0] is prepared
    _assert_clean(findings[1].model_dump_json(), (github,))
    assert findings[1].fingerprint and findings[1].fingerprint != prepared.fingerprint
