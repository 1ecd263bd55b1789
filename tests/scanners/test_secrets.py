"""The secrets scanner through the engine: findings, options, modes, CLI and bandit dedupe."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import string
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

import secgate
from secgate.cli import main
from secgate.config import Config
from secgate.errors import ConfigError
from secgate.models import Finding, GapKind, ScanStatus, Severity
from secgate.plugins import make_plugin_host
from secgate.scanners.secrets import SecretsOptions, SecretsScanner, secgate_adjust_findings
from secgate.secrets.redact import DEFAULT_FINGERPRINT_KEY, fingerprint
from tests.conftest import run_cli, write

B62 = string.ascii_letters + string.digits
_ORDER = string.digits + string.ascii_uppercase + string.ascii_lowercase


def github_token(seed: int) -> str:
    """A classic GitHub token with a valid CRC32 checksum, built at test time."""
    rng = random.Random(seed)
    body = "".join(rng.choice(B62) for _ in range(30))
    value = zlib.crc32(body.encode()) & 0xFFFFFFFF
    digits = ""
    while value:
        value, rem = divmod(value, 62)
        digits = _ORDER[rem] + digits
    return "ghp_" + body + digits.rjust(6, "0")


def run(path: Path, **options: Any) -> secgate.Verdict:
    overrides = {"scanners": {"secrets": options}} if options else None
    return secgate.check(path, config=Config(), scanners=["secrets"], overrides=overrides)


def secrets_findings(verdict: secgate.Verdict) -> list[Finding]:
    return [f for f in verdict.findings if f.scanner == "secrets"]


# --------------------------------------------------------------------------- registration


def test_secrets_scanner_is_registered_through_its_entry_point() -> None:
    info = make_plugin_host().scanners()["secrets"]
    assert info.cls is SecretsScanner
    assert info.plugin == "secrets"
    assert SecretsScanner.per_file is True


def test_git_modes_are_not_answered_by_the_result_cache() -> None:
    """Staged and history scans read git: the cache, keyed by tree files, must stay out."""
    scanner = SecretsScanner()
    assert scanner.cacheable(SecretsOptions())
    assert not scanner.cacheable(SecretsOptions(mode="staged"))
    assert not scanner.cacheable(SecretsOptions(mode="history"))


def test_rules_lists_every_bundled_rule_with_severity() -> None:
    rules = SecretsScanner().rules(SecretsOptions())
    assert len(rules) >= 70
    by_id = {r.id: r for r in rules}
    assert by_id["aws-access-key-id"].severity is Severity.CRITICAL
    assert all(r.cwe == (798,) for r in rules)


# --------------------------------------------------------------------------- findings


def test_finding_is_redacted_located_and_fingerprinted(tmp_path: Path) -> None:
    token = github_token(1)
    (tmp_path / "app.py").write_text(f'import os\nGITHUB = "{token}"\n')
    verdict = run(tmp_path)
    [finding] = secrets_findings(verdict)
    assert finding.rule_id == "github-pat-classic"
    assert finding.severity is Severity.CRITICAL
    assert (finding.path, finding.line, finding.column) == ("app.py", 2, 11)
    assert token not in finding.message
    assert finding.snippet == 'GITHUB = "ghp_\u2026(40 chars)"'
    assert finding.properties["redacted"] == "ghp_\u2026(40 chars)"
    assert finding.fingerprint == fingerprint(
        DEFAULT_FINGERPRINT_KEY.encode(), "github-pat-classic", "app.py", token.encode()
    )
    assert finding.cwe == (798,)
    assert finding.blocking
    assert verdict.exit_code == 1


def test_fingerprint_survives_moved_lines_and_changes_with_the_key(tmp_path: Path) -> None:
    token = github_token(2)
    (tmp_path / "app.py").write_text(f'GITHUB = "{token}"\n')
    first = secrets_findings(run(tmp_path))[0].fingerprint
    (tmp_path / "app.py").write_text(f'\n\n# moved\nGITHUB = "{token}"\n')
    assert secrets_findings(run(tmp_path))[0].fingerprint == first
    keyed = secrets_findings(run(tmp_path, **{"fingerprint-key": "team-key"}))[0]
    assert keyed.fingerprint != first


def test_fingerprint_key_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = github_token(3)
    (tmp_path / "app.py").write_text(f'GITHUB = "{token}"\n')
    default = secrets_findings(run(tmp_path))[0].fingerprint
    monkeypatch.setenv("SECGATE_FINGERPRINT_KEY", "from-env")
    assert secrets_findings(run(tmp_path))[0].fingerprint == fingerprint(
        b"from-env", "github-pat-classic", "app.py", token.encode()
    )
    assert secrets_findings(run(tmp_path))[0].fingerprint != default


def test_inline_allowed_secret_is_reported_suppressed_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'X = "{github_token(4)}"  # secgate: allow\n')
    (tmp_path / "b.py").write_text(f'Y = "{github_token(5)}"  # pragma: allowlist secret\n')
    (tmp_path / "c.py").write_text(f'Z = "{github_token(6)}"  # gitleaks:allow\n')
    verdict = run(tmp_path)
    reasons = {f.path: f.suppressed_by for f in secrets_findings(verdict)}
    assert reasons == {
        "a.py": "inline:secgate-allow",
        "b.py": "inline:pragma-allowlist-secret",
        "c.py": "inline:gitleaks-allow",
    }
    assert not any(f.blocking for f in verdict.findings)
    assert verdict.exit_code == 0


def test_binary_oversize_and_invalid_utf8_files_are_handled(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\x00\x00" + bytes(range(256)))
    (tmp_path / "big.txt").write_text("#" * 5000)
    (tmp_path / "latin1.py").write_bytes(f'caf\xe9 = "{github_token(7)}"\n'.encode("latin-1"))
    verdict = run(tmp_path, **{"max-file-size": "4KB"})
    result = verdict.scanner("secrets")
    assert result.status is ScanStatus.OK
    skipped = {s.path: s.reason for s in result.coverage.skipped}
    assert "binary" in skipped["logo.png"]
    assert "size limit" in skipped["big.txt"]
    assert result.coverage.files_scanned == 1
    assert [f.path for f in secrets_findings(verdict)] == ["latin1.py"]


def test_disabled_rule_does_not_run(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(f'GITHUB = "{github_token(8)}"\n')
    assert not secrets_findings(run(tmp_path, disable=["github-pat-classic"]))


def test_extra_gitleaks_rule_file_from_config(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(
        "[[rules]]\nid = 'acme'\ndescription = 'ACME key'\n"
        "regex = '''\\b(acme_[0-9a-f]{24})\\b'''\nkeywords = ['acme_']\n"
    )
    rng = random.Random(9)
    secret = "acme_" + "".join(rng.choice("0123456789abcdef") for _ in range(24))
    (tmp_path / "app.txt").write_text(f"key {secret}\n")
    [finding] = secrets_findings(run(tmp_path, rules=["rules.toml"]))
    assert finding.rule_id == "acme"
    assert finding.properties["rule_file"] == "rules.toml"


def test_unknown_option_and_bad_size_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"scanners\.secrets\.colour: unknown key"):
        run(tmp_path, colour=True)
    with pytest.raises(ConfigError, match="max-file-size"):
        run(tmp_path, **{"max-file-size": "lots"})


def test_broken_extra_rule_file_is_a_scanner_error_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[[rules]]\nid = 'x'\nregex = '''('''\n")
    verdict = run(tmp_path, rules=["bad.toml"])
    assert verdict.scanner("secrets").status is ScanStatus.ERROR
    assert verdict.exit_code == 2


def test_cache_token_covers_rules_and_options(tmp_path: Path) -> None:
    scanner = SecretsScanner()
    base = scanner.cache_token(SecretsOptions())
    assert base == scanner.cache_token(SecretsOptions())
    assert base != scanner.cache_token(SecretsOptions(disable=("jwt",)))
    assert base != scanner.cache_token(SecretsOptions(fingerprint_key="k"))
    # The fingerprint key is a secret of its own: the token (stored in the cache) holds
    # only a hash of it, never the key.
    key = "fingerprint-key-" + "q7" * 12
    keyed = scanner.cache_token(SecretsOptions(fingerprint_key=key))
    assert key not in keyed and key[16:] not in keyed
    extra = tmp_path / "x.toml"
    extra.write_text('schema = "secgate-secrets/1"\n')
    with_file = scanner.cache_token(SecretsOptions(rules=(str(extra),)))
    extra.write_text('schema = "secgate-secrets/1"\n# changed\n')
    assert scanner.cache_token(SecretsOptions(rules=(str(extra),))) != with_file
    staged = SecretsOptions(mode="staged")
    assert scanner.cache_token(staged) != scanner.cache_token(staged)


# --------------------------------------------------------------------------- git modes


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.org",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.org",
        "GIT_AUTHOR_DATE": "2024-05-06T07:08:09+00:00",
        "GIT_COMMITTER_DATE": "2024-05-06T07:08:09+00:00",
    }
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# project\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "start")
    return path


def test_history_finds_a_secret_added_then_removed_with_its_commit(repo: Path) -> None:
    token = github_token(10)
    (repo / "settings.py").write_text(f'DEBUG = False\nGITHUB = "{token}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add settings")
    added = git(repo, "rev-parse", "HEAD")
    (repo / "settings.py").write_text("DEBUG = False\n")
    git(repo, "commit", "-q", "-am", "remove the token")

    assert not secrets_findings(run(repo)), "the working tree no longer holds it"
    verdict = run(repo, mode="history")
    [finding] = secrets_findings(verdict)
    assert finding.rule_id == "github-pat-classic"
    assert (finding.path, finding.line) == ("settings.py", 2)
    assert finding.properties["commit"] == added
    assert finding.properties["author_date"] == "2024-05-06T07:08:09+00:00"
    assert token not in json.dumps(verdict.model_dump(mode="json"))
    assert verdict.scanner("secrets").details["commits"] == 3


def test_history_range_limits_the_commits(repo: Path) -> None:
    (repo / "a.py").write_text(f'A = "{github_token(11)}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "b.py").write_text(f'B = "{github_token(12)}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "b")
    found = secrets_findings(run(repo, mode="history", **{"history-range": f"{base}..HEAD"}))
    assert [f.path for f in found] == ["b.py"]


def test_history_with_a_bad_range_is_a_scanner_error(repo: Path) -> None:
    verdict = run(repo, mode="history", **{"history-range": "no-such-branch..HEAD"})
    assert verdict.scanner("secrets").status is ScanStatus.ERROR
    verdict = run(repo, mode="history", **{"history-range": "--output=/tmp/x"})
    assert "expected a revision range" in (verdict.scanner("secrets").error or "")


def test_history_of_a_repository_without_commits_is_empty_not_an_error(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text(f'T = "{github_token(19)}"\n')
    git(tmp_path, "add", "a.py")
    verdict = run(tmp_path, mode="history")
    assert verdict.scanner("secrets").status is ScanStatus.OK
    assert verdict.scanner("secrets").details["commits"] == 0
    [finding] = secrets_findings(run(tmp_path, mode="staged"))  # the first commit's pre-commit
    assert finding.path == "a.py"


def test_history_outside_a_repository_is_a_scanner_error(tmp_path: Path) -> None:
    verdict = run(tmp_path, mode="history")
    assert verdict.scanner("secrets").status is ScanStatus.ERROR
    assert "git" in (verdict.scanner("secrets").error or "")


def test_staged_mode_scans_the_index_not_the_working_tree(repo: Path) -> None:
    staged, unstaged = github_token(13), github_token(14)
    (repo / "staged.py").write_text(f'S = "{staged}"\n')
    git(repo, "add", "staged.py")
    (repo / "staged.py").write_text("S = None\n")  # edited after staging
    (repo / "unstaged.py").write_text(f'U = "{unstaged}"\n')
    [finding] = secrets_findings(run(repo, mode="staged"))
    assert (finding.path, finding.line) == ("staged.py", 1)
    assert finding.properties["source"] == "staged"


def test_cli_staged_and_history_flags_reach_the_scanner(repo: Path) -> None:
    (repo / "new.py").write_text(f'N = "{github_token(15)}"\n')
    git(repo, "add", "new.py")
    stdout = io.StringIO()
    code = main(
        ["check", str(repo), "--scanner", "secrets", "--staged", "--format", "json"], stdout=stdout
    )
    report = json.loads(stdout.getvalue())
    assert code == 1
    assert [f["path"] for f in report["findings"]] == ["new.py"]
    git(repo, "commit", "-q", "-m", "new")
    (repo / "new.py").unlink()
    git(repo, "commit", "-q", "-am", "gone")
    stdout = io.StringIO()
    code = main(
        ["check", str(repo), "--scanner", "secrets", "--history", "--format", "json"], stdout=stdout
    )
    report = json.loads(stdout.getvalue())
    assert code == 1
    assert report["findings"][0]["properties"]["commit"]
    stderr = io.StringIO()
    assert main(["check", str(repo), "--staged", "--history"], stderr=stderr) == 2


def test_subprocess_cli_never_prints_the_secret(repo: Path) -> None:
    token = github_token(16)
    (repo / "app.py").write_text(f'T = "{token}"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "secgate.cli", "check", str(repo), "--scanner", "secrets"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "github-pat-classic" in proc.stdout
    assert token not in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- bandit dedupe


def bandit_finding(path: str, line: int, rule_id: str = "B105") -> Finding:
    """What the bandit scanner reports for a hard-coded password (shape as in its plugin)."""
    return Finding(
        scanner="bandit",
        rule_id=rule_id,
        severity=Severity.LOW,
        message="Possible hardcoded password: 'hunter-value'",
        path=path,
        line=line,
        snippet="PASSWORD = 'hunter-value'",
        fingerprint="b" * 32,
    )


def test_bandit_password_finding_on_the_same_line_becomes_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(f'PASSWORD = "{github_token(17)}"\n')
    secret = secrets_findings(run(tmp_path))[0]
    findings = [
        bandit_finding("app.py", 1),
        secret,
        bandit_finding("app.py", 1, "B106"),
        bandit_finding("app.py", 2),
        bandit_finding("app.py", 1, "B602"),
    ]
    secgate_adjust_findings(findings)
    assert findings[0].suppressed_by == "duplicate"
    assert (
        findings[0].properties["duplicate_of"] == f"secrets:{secret.rule_id}:{secret.fingerprint}"
    )
    assert "hunter-value" not in (findings[0].message + (findings[0].snippet or ""))
    assert findings[2].suppressed_by == "duplicate"
    assert findings[3].suppressed_by is None  # another line
    assert findings[4].suppressed_by is None  # not a password test
    assert findings[1].properties["duplicates"] == "bandit:B105,bandit:B106"
    before = list(findings)
    secgate_adjust_findings(findings)
    assert findings == before  # running again changes nothing


def test_duplicate_survives_the_policy_and_does_not_block(tmp_path: Path) -> None:
    from secgate.engine import judge

    (tmp_path / "app.py").write_text(f'PASSWORD = "{github_token(18)}"\n')
    verdict = run(tmp_path)
    bandit = bandit_finding("app.py", 1).model_copy(update={"severity": Severity.HIGH})
    judged = judge(
        host=make_plugin_host(),
        findings=[*verdict.findings, bandit],
        results=list(verdict.scanners),
        root=tmp_path,
        config=Config(),
        stage=None,
        config_file=None,
        options={},
    )
    by_scanner = {f.scanner: f for f in judged.findings}
    assert by_scanner["bandit"].suppressed_by == "duplicate"
    assert not by_scanner["bandit"].blocking
    assert by_scanner["secrets"].blocking
    assert judged.summary.blocking == 1


# --------------------------------------------------------------------------- hostile trees


def aws_keys(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_uppercase + "234567"
    keys: set[str] = set()
    while len(keys) < count:
        body = "".join(rng.choice(alphabet) for _ in range(16))
        if not any(p in body for p in ("234567", "XXXX")) and not re.search(r"(.)\1{5}", body):
            keys.add("AKIA" + body)
    return sorted(keys)


def test_two_thousand_keys_on_one_line_are_reported_in_linear_time(tmp_path: Path) -> None:
    keys = aws_keys(2000)
    (tmp_path / "keys.txt").write_text(" ".join(keys) + "\n")
    started = time.perf_counter()
    verdict = secgate.check(tmp_path, config=Config(cache=False), scanners=["secrets"])
    elapsed = time.perf_counter() - started
    found = secrets_findings(verdict)
    assert sorted(f.column or 0 for f in found) == [1 + 21 * i for i in range(2000)]
    assert {f.rule_id for f in found} == {"aws-access-key-id"}
    report = json.dumps(verdict.model_dump(mode="json"))
    assert not any(key in report for key in keys)
    assert max(len(f.snippet or "") for f in found) < 400  # a window, not the 42 KB line
    assert elapsed < 30, f"took {elapsed:.1f} s (was over 110 s before)"


def test_snippet_of_a_hit_deep_in_a_long_line_shows_its_own_neighbourhood(tmp_path: Path) -> None:
    token = github_token(20)
    (tmp_path / "min.js").write_text("var a=1;" * 2000 + f'var GH="{token}";' + "var b=2;" * 50)
    [finding] = secrets_findings(run(tmp_path))
    assert finding.snippet is not None
    assert 'GH="ghp_\u2026(40 chars)"' in finding.snippet
    assert finding.snippet.startswith("\u2026") and token not in finding.snippet


def key_block(padding: int) -> str:
    rng = random.Random(padding)
    lines = ["".join(rng.choice(B62 + "+/") for _ in range(64)) for _ in range(6)]
    lines[0] += " " * padding
    kind = "RSA " + "PRIVATE KEY-----"
    return "-----BEGIN " + kind + "\n" + "\n".join(lines) + "\n-----END " + kind + "\n"


@pytest.mark.parametrize("padding", [70 * 1024, 1024 * 1024])
def test_padded_private_key_is_found_by_the_scanner(tmp_path: Path, padding: int) -> None:
    (tmp_path / "deploy.pem").write_text(key_block(padding))
    [finding] = secrets_findings(run(tmp_path))
    assert (finding.rule_id, finding.path, finding.line) == ("private-key", "deploy.pem", 1)


def test_nul_bytes_do_not_hide_env_and_shell_files_binary_stays_a_gap(tmp_path: Path) -> None:
    key_env, key_sh = aws_keys(2, seed=21)
    (tmp_path / ".env").write_bytes(f"\x00AWS_ACCESS_KEY_ID={key_env}\n".encode())
    (tmp_path / "deploy.sh").write_bytes(f"#!/bin/sh\nexport K={key_sh}\x00\n".encode())
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    verdict = run(tmp_path)
    result = verdict.scanner("secrets")
    assert {(f.path, f.line) for f in secrets_findings(verdict)} == {(".env", 1), ("deploy.sh", 2)}
    assert [(s.path, s.kind) for s in result.coverage.skipped] == [("logo.png", GapKind.BINARY)]


def test_declared_python_codings_do_not_hide_keys(tmp_path: Path) -> None:
    key7, key_esc, key_bad = aws_keys(3, seed=22)
    hidden = base64.b64encode(f'K = "{key7}"'.encode("utf-16-be")).decode().rstrip("=")
    (tmp_path / "seven.py").write_bytes(f"# coding: utf-7\n+{hidden}-\n".encode())
    spelled = "".join(f"\\x{ord(c):02x}" for c in key_esc)
    (tmp_path / "esc.py").write_bytes(f'# coding: unicode_escape\nK = "{spelled}"\n'.encode())
    (tmp_path / "bad.py").write_bytes(f'# coding: martian\nK = "{key_bad}"\n'.encode())
    verdict = run(tmp_path)
    found = {f.path: f for f in secrets_findings(verdict)}
    assert set(found) == {"seven.py", "esc.py", "bad.py"}
    assert found["seven.py"].properties["decoded_from"] == "utf-7"
    assert found["seven.py"].line == 2
    assert found["esc.py"].properties["decoded_from"] == "unicode-escape"
    [gap] = verdict.scanner("secrets").coverage.skipped
    assert (gap.path, gap.kind) == ("bad.py", GapKind.ENCODING)
    assert "martian" in gap.reason


def test_every_gap_of_the_scanner_names_its_kind(tmp_path: Path) -> None:
    from secgate.plugins import ScanContext

    (tmp_path / "big.txt").write_text("#" * 5000)
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "odd.py").write_text("# coding: martian\n")
    files = ("big.txt", "blob.bin", "gone.py", "odd.py", "pipe")
    context = ScanContext(
        root=tmp_path,
        files=files,
        options=SecretsOptions(max_file_size=4000),
        config=Config(),
    )
    output = SecretsScanner().scan(context)
    kinds = {s.path: s.kind for s in output.skipped}
    assert kinds == {
        "big.txt": GapKind.TOO_BIG,
        "blob.bin": GapKind.BINARY,
        "gone.py": GapKind.VANISHED,
        "odd.py": GapKind.ENCODING,
        "pipe": GapKind.NOT_REGULAR,
    }


def test_unreadable_file_is_an_unreadable_gap(tmp_path: Path) -> None:
    from secgate.secrets.engine import Detector

    folder = tmp_path / "a-folder.txt"
    folder.mkdir()  # open() fails with an OSError even as root
    result = Detector([]).scan_file(folder, "a-folder.txt")
    assert result.kind is GapKind.UNREADABLE


# --------------------------------------------------------------------------- repo rule files


def tree_with_rule_file(project: Path, rule_file: str, text: str) -> Path:
    write(
        project,
        {
            "pyproject.toml": f'[tool.secgate.scanners.secrets]\nrules = ["{rule_file}"]\n',
            rule_file: text,
            "app.txt": f"key {aws_keys(1, seed=30)[0]}\n",
        },
    )
    return project


def test_repo_rule_file_may_not_replace_a_bundled_rule_cli(project: Path) -> None:
    tree_with_rule_file(
        project,
        "ci/secrets.toml",
        'schema = "secgate-secrets/1"\n[[rules]]\nid = "aws-access-key-id"\n'
        "description = 'mine'\nregex = '''never-matches-zq'''\nkeywords = ['never-matches-zq']\n",
    )
    result = run_cli("check", str(project), "--scanner", "secrets", "--format", "json")
    assert result.code == 2
    report = json.loads(result.out)
    [scanner] = [s for s in report["scanners"] if s["name"] == "secrets"]
    assert scanner["status"] == "error"
    assert "ci/secrets.toml" in scanner["error"]
    assert "'aws-access-key-id'" in scanner["error"]
    assert "bundled" in scanner["error"]


def test_owner_rule_file_outside_the_tree_may_still_replace_a_bundled_rule(
    tmp_path: Path,
) -> None:
    owner = tmp_path / "owner-rules.toml"
    owner.write_text(
        'schema = "secgate-secrets/1"\n[[rules]]\nid = "aws-access-key-id"\n'
        "description = 'mine'\nregex = '''never-matches-zq'''\nkeywords = ['never-matches-zq']\n"
    )
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.txt").write_text(f"key {aws_keys(1, seed=31)[0]}\n")
    verdict = run(tree, rules=[str(owner)])
    assert verdict.scanner("secrets").status is ScanStatus.OK
    assert not secrets_findings(verdict)  # the owner's definition won


def test_repo_gitleaks_file_that_disables_and_allowlists_bundled_rules_is_a_weakening(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)  # as in CI: at the root, where the cache token reads rules
    tree_with_rule_file(
        project,
        ".gitleaks.toml",
        "[extend]\nuseDefault = true\ndisabledRules = ['github-pat-classic']\n"
        "[allowlist]\nstopwords = ['zzqq']\n"
        "[[allowlists]]\ntargetRules = ['jwt']\nregexes = ['''.*''']\n",
    )
    first = run_cli("check", str(project), "--scanner", "secrets", "--format", "json")
    result = run_cli("check", str(project), "--scanner", "secrets", "--format", "json")
    report = json.loads(result.out)
    [scanner] = [s for s in report["scanners"] if s["name"] == "secrets"]
    assert scanner["details"]["cache_hits"] > 0  # the second run came from the cache
    [before] = [s for s in json.loads(first.out)["scanners"] if s["name"] == "secrets"]
    assert scanner["weakenings"] == before["weakenings"]
    weakenings = scanner["weakenings"]
    assert any(
        "switches off rule(s) github-pat-classic" in w and ".gitleaks.toml" in w for w in weakenings
    )
    assert any("every bundled rule" in w for w in weakenings)
    assert any("rule(s) jwt" in w for w in weakenings)
    assert any(
        line.startswith("secrets: rule file .gitleaks.toml") for line in report["policy_summary"]
    )
    assert result.code == 1  # the AWS key is still found
