"""Bandit's issues as secgate findings: severity, nosec, snippets, redacted passwords.

The worker side (:func:`issue_data`) turns a bandit issue into plain, picklable data; the
parent (:func:`to_finding`) turns that data into a :class:`~secgate.models.Finding`.
The hard-coded password tests (B105, B106, B107) put the password into their message;
secgate keeps its first characters and its length only, sets no snippet for them, and
fingerprints them without the value.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from secgate.models import Confidence, Finding, Severity, content_fingerprint
from secgate.scanners.bandit.options import NAME

__all__ = [
    "NOSEC",
    "PASSWORD_TESTS",
    "SNIPPET_MAX_LINES",
    "issue_data",
    "redact_password_message",
    "to_finding",
]

NOSEC = "inline:nosec"

#: Bandit's tests whose message carries the hard-coded password itself.
PASSWORD_TESTS = frozenset({"B105", "B106", "B107"})

#: How many lines of a multi-line finding go into its snippet.
SNIPPET_MAX_LINES = 5

_SEVERITY = {
    "UNDEFINED": Severity.LOW,
    "LOW": Severity.LOW,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
}
_CONFIDENCE = {
    "UNDEFINED": Confidence.LOW,
    "LOW": Confidence.LOW,
    "MEDIUM": Confidence.MEDIUM,
    "HIGH": Confidence.HIGH,
}
_PASSWORD_MESSAGE = re.compile(r"^(?P<head>.*?: )'(?P<value>.*)'$", re.DOTALL)


def redact_password_message(text: str) -> str:
    """Bandit's ``Possible hardcoded password: '<value>'`` with the value redacted.

    Keeps the first two characters of values of eight or more characters, and the length;
    a message of an unknown shape is replaced whole, so no value can slip through.
    """
    match = _PASSWORD_MESSAGE.match(text)
    if match is None:
        return "Possible hardcoded password (value redacted)"
    value = match.group("value")
    length = len(value)
    if length == 0:
        return f"{match.group('head')}'' (empty)"
    shown = value[:2] if length >= 8 else ""
    unit = "character" if length == 1 else "characters"
    return f"{match.group('head')}'{shown}…' ({length} {unit})"


def _snippet(lines: list[str], first: int, last: int) -> str | None:
    if not 1 <= first <= len(lines):
        return None
    last = min(max(first, last), len(lines), first + SNIPPET_MAX_LINES - 1)
    return "\n".join(line.rstrip() for line in lines[first - 1 : last])


@functools.cache
def _help_url(test_id: str) -> str | None:
    """Bandit's documentation page for a test, as its JSON report's ``more_info``."""
    from bandit.core import docs_utils  # noqa: PLC0415

    return str(docs_utils.get_url(test_id)) or None


def issue_data(issue: Any, rel: str, lines: list[str]) -> dict[str, Any]:
    """A bandit issue found in *rel* (whose source *lines* give the snippet) as plain data."""
    raw = issue.as_dict(with_code=False)
    test_id = str(raw["test_id"])
    nosec: set[str] | None = getattr(issue, "_secgate_nosec", None)
    # Bandit's rule (BanditTester.run_tests): a bare nosec skips every test on the line,
    # a nosec naming tests skips those.
    suppressed = nosec is not None and (not nosec or test_id in nosec)
    text = str(raw["issue_text"])
    line = int(raw["line_number"] or 0)
    line_range = [int(n) for n in raw.get("line_range") or [] if n]
    end_line = max([line, *line_range]) if line else None
    secret = test_id in PASSWORD_TESTS
    if secret:
        text = redact_password_message(text)
    return {
        "path": rel,
        "test_id": test_id,
        "test_name": str(raw.get("test_name") or ""),
        "severity": str(raw["issue_severity"]),
        "confidence": str(raw["issue_confidence"]),
        "cwe": int((raw.get("issue_cwe") or {}).get("id") or 0),
        "message": text,
        "line": line or None,
        "end_line": end_line,
        "col_offset": int(raw.get("col_offset", -1)),
        "more_info": _help_url(test_id),
        "suppressed": suppressed,
        "secret": secret,
        "snippet": None if secret or not line else _snippet(lines, line, end_line or line),
    }


def to_finding(data: dict[str, Any]) -> Finding:
    """The finding for one item of :func:`issue_data` (in the parent process)."""
    col = data["col_offset"]
    cwe = data["cwe"]
    rule = data["test_id"]
    fingerprint = ""
    if data["secret"]:
        # The engine would hash the flagged line, password included: a short password
        # could be found again by hashing guesses. Hash the redacted message instead.
        fingerprint = content_fingerprint(NAME, rule, data["path"], data["message"])
    return Finding(
        scanner=NAME,
        rule_id=rule,
        severity=_SEVERITY.get(data["severity"], Severity.LOW),
        confidence=_CONFIDENCE.get(data["confidence"], Confidence.LOW),
        message=data["message"],
        path=data["path"],
        line=data["line"],
        end_line=data["end_line"],
        column=col + 1 if isinstance(col, int) and col >= 0 else None,
        cwe=(cwe,) if cwe else (),
        help_url=data["more_info"],
        fingerprint=fingerprint,
        snippet=data["snippet"],
        properties={
            **({"test_name": data["test_name"]} if data["test_name"] else {}),
            **data.get("dead", {}),
        },
        suppressed_by=NOSEC if data["suppressed"] else None,
    )
