"""The structure of secgate's semgrep rule pack (``rules/semgrep``).

`semgrep --test` (run by .ci/run) proves each rule matches its annotated lines; these
tests prove the pack is complete and documented: enough rules, each with a fix-oriented
message, a severity, CWE ids, references, a confidence and a test file with positive and
negative cases, and every topic issue 3 asks for covered by some rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

PACK = Path(__file__).resolve().parents[2] / "rules" / "semgrep"
FOLDER_PREFIX = {
    "python": "python-",
    "github-actions": "gha-",
    "dockerfile": "dockerfile-",
    "gitlab-ci": "gitlab-ci-",
    "shell": "shell-",
}
SEVERITIES = {"ERROR", "WARNING", "INFO"}
CONFIDENCES = {"HIGH", "MEDIUM", "LOW"}
CWE_ENTRY = re.compile(r"^CWE-\d+: \S")

#: Topic -> the rule that covers it. Losing one of these rules fails the suite.
REQUIRED_TOPICS = {
    "subprocess with a shell and non-literal input": "python-subprocess-shell-injection",
    "os.system / os.popen": "python-os-command-injection",
    "eval / exec": "python-eval-exec-injection",
    "SQL by formatting": "python-sql-injection-format",
    "SQL by f-string": "python-sql-injection-fstring",
    "SQL by concatenation": "python-sql-injection-concat",
    "pickle": "python-pickle-load",
    "marshal": "python-marshal-load",
    "shelve": "python-shelve-open",
    "yaml.load without a safe loader": "python-yaml-unsafe-load",
    "jsonpickle": "python-jsonpickle-decode",
    "dill": "python-dill-load",
    "XML external entities": "python-lxml-xxe",
    "requests verify=False": "python-tls-verify-disabled",
    "unverified SSL context": "python-ssl-unverified-context",
    "urllib3 without cert checks": "python-urllib3-cert-none",
    "weak hash for passwords": "python-weak-password-hash",
    "random for tokens or passwords": "python-insecure-random-secret",
    "tempfile.mktemp": "python-tempfile-mktemp",
    "world-writable permissions": "python-chmod-world-writable",
    "tar extraction without checks": "python-tarfile-extract-unfiltered",
    "zip extraction without path checks": "python-archive-member-path-join",
    "Flask debug": "python-flask-debug-enabled",
    "Django debug": "python-django-debug-enabled",
    "hard-coded Django SECRET_KEY": "python-django-hardcoded-secret-key",
    "hard-coded Flask SECRET_KEY": "python-flask-hardcoded-secret-key",
    "mark_safe": "python-mark-safe-nonliteral",
    "Jinja2 autoescape off": "python-jinja2-autoescape-disabled",
    "binding to all interfaces": "python-bind-all-interfaces",
    "paramiko AutoAddPolicy": "python-paramiko-auto-add-policy",
    "assert for access control": "python-assert-access-control",
    "open redirect": "python-open-redirect-taint",
    "SSRF through requests": "python-ssrf-taint",
    "path traversal": "python-path-traversal-taint",
    "GitHub Actions script injection": "gha-script-injection",
    "pull_request_target checking out the PR head": "gha-pull-request-target-checkout",
    "actions not pinned to a SHA": "gha-action-not-pinned-to-sha",
    "permissions: write-all": "gha-permissions-write-all",
    "secrets echoed": "gha-secret-echoed",
    "Dockerfile latest tag": "dockerfile-latest-tag",
    "Dockerfile untagged base image": "dockerfile-untagged-image",
    "Dockerfile without USER": "dockerfile-missing-user",
    "Dockerfile ADD from a URL": "dockerfile-add-from-url",
    "Dockerfile curl | sh": "dockerfile-curl-pipe-shell",
    "Dockerfile secrets in ENV/ARG": "dockerfile-secret-in-env-arg",
    "GitLab CI curl | sh": "gitlab-ci-curl-pipe-shell",
    "shell script curl | sh": "shell-curl-pipe-shell",
}


def _is_rule_file(path: Path) -> bool:
    return path.suffix in (".yml", ".yaml") and ".test" not in path.suffixes[:-1]


def _rule_files() -> list[Path]:
    return sorted(p for p in PACK.rglob("*") if p.is_file() and _is_rule_file(p))


def _rules() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in _rule_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data["rules"]:
            found.append((path, rule))
    return found


def _test_files(rule_file: Path) -> list[Path]:
    stem = rule_file.name.split(".")[0]
    return [
        p
        for p in rule_file.parent.iterdir()
        if p.is_file() and p != rule_file and p.name.split(".")[0] == stem and not _is_rule_file(p)
    ]


RULES = _rules()
RULE_IDS = [rule["id"] for _, rule in RULES]


def test_pack_has_at_least_forty_rules() -> None:
    assert len(RULES) >= 40, f"only {len(RULES)} rules in {PACK}"


def test_rule_ids_are_unique() -> None:
    duplicates = sorted({i for i in RULE_IDS if RULE_IDS.count(i) > 1})
    assert not duplicates


def test_rules_live_in_a_topic_folder_and_carry_its_prefix() -> None:
    wrong = []
    for path, rule in RULES:
        folder = path.relative_to(PACK).parts[0]
        prefix = FOLDER_PREFIX.get(folder)
        if prefix is None or not rule["id"].startswith(prefix) or path.parent.parent != PACK:
            wrong.append(f"{path.relative_to(PACK)}: {rule['id']}")
    assert not wrong


@pytest.mark.parametrize(("path", "rule"), RULES, ids=RULE_IDS)
def test_rule_is_documented(path: Path, rule: dict[str, Any]) -> None:
    message = " ".join(str(rule.get("message", "")).split())
    # What is wrong, and how to fix it: at least two sentences.
    assert len(re.findall(r"[.!?](\s|$)", message)) >= 2, message
    assert rule.get("severity") in SEVERITIES
    assert rule.get("languages")
    metadata = rule.get("metadata") or {}
    cwe = metadata.get("cwe")
    assert isinstance(cwe, list) and cwe, "metadata.cwe must be a non-empty list"
    assert all(CWE_ENTRY.match(entry) for entry in cwe), cwe
    references = metadata.get("references")
    assert isinstance(references, list) and references
    assert all(str(ref).startswith("https://") for ref in references), references
    assert metadata.get("confidence") in CONFIDENCES


@pytest.mark.parametrize(("path", "rule"), RULES, ids=RULE_IDS)
def test_rule_has_a_test_file_with_positive_and_negative_cases(
    path: Path, rule: dict[str, Any]
) -> None:
    tests = _test_files(path)
    assert tests, f"no test file beside {path.relative_to(PACK)}"
    text = "\n".join(t.read_text(encoding="utf-8") for t in tests)
    rule_id = re.escape(rule["id"])
    assert re.search(rf"\bruleid:\s*{rule_id}\b", text), "no `ruleid:` annotation"
    assert re.search(rf"\bok:\s*{rule_id}\b", text), "no `ok:` annotation"


@pytest.mark.parametrize(("topic", "rule_id"), sorted(REQUIRED_TOPICS.items()))
def test_issue_topic_is_covered(topic: str, rule_id: str) -> None:
    assert rule_id in RULE_IDS, f"no rule for {topic!r}"
