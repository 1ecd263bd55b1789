"""Redaction: what a report may say about a secret without saying the secret.

* :func:`preview`: a few leading characters and the length, ``ghp_…(40 chars)``. The
  leading characters are mostly the provider's public prefix; for short secrets fewer are
  shown (never more than a fifth of the value).
* :func:`fingerprint`: HMAC-SHA256 of (rule id, path, secret), keyed. Baselines and SARIF
  ``partialFingerprints`` match findings across runs and machines by it, without storing
  the value.
* :func:`redact_text` / :func:`redact_finding`: what *other* scanners write (a snippet, a
  message, a skip reason, an error) with every secret the bundled rules find replaced by
  its preview, and URL credentials by ``***``. The engine runs every result through them,
  and the result cache stores only redacted text.

The key comes from, in order: the secrets scanner's ``fingerprint-key`` option, the
``SECGATE_FINGERPRINT_KEY`` environment variable, else :data:`DEFAULT_FINGERPRINT_KEY`.
The default is public, so that baselines match on every machine with no setup; then a
fingerprint of a *weak* secret (a short password) can be checked against guesses by anyone
holding the report. Teams that publish reports should set their own key (the same one
everywhere their baselines are used); changing the key changes every fingerprint.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from secgate.models import Finding, SkippedFile

if TYPE_CHECKING:
    from secgate.secrets.engine import Detector

DEFAULT_FINGERPRINT_KEY = "secgate-secrets-fingerprint-v1"
FINGERPRINT_KEY_ENV = "SECGATE_FINGERPRINT_KEY"
ELLIPSIS = "\u2026"


def fingerprint_key(configured: str | None = None) -> bytes:
    """The HMAC key: the option, else the environment variable, else the public default."""
    key = configured or os.environ.get(FINGERPRINT_KEY_ENV) or DEFAULT_FINGERPRINT_KEY
    return key.encode("utf-8")


def fingerprint(key: bytes, rule_id: str, path: str, secret: bytes) -> str:
    """Keyed hash identifying (rule, file, secret value): 32 hex digits."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    mac.update(rule_id.encode("utf-8"))
    mac.update(b"\x00")
    mac.update(path.encode("utf-8", "surrogateescape"))
    mac.update(b"\x00")
    mac.update(secret)
    return mac.hexdigest()[:32]


def shown_prefix(length: int) -> int:
    """How many leading characters a preview of a *length*-character secret shows."""
    return min(4, length // 5)


def preview(secret: bytes) -> str:
    """``abcd…(40 chars)``: the first few characters (printable ASCII only) and the length."""
    text = secret.decode("utf-8", "replace")
    head = "".join(c if 32 < ord(c) < 127 else "?" for c in text[: shown_prefix(len(text))])
    return f"{head}{ELLIPSIS}({len(text)} chars)"


_TOKEN = re.compile(rb"[A-Za-z0-9+/=_.~-]{16,}")
_WORDISH = re.compile(rb"[A-Za-z_.-]+")


def _looks_random(token: bytes) -> bool:
    """A token a snippet should not show even though no rule reported it."""
    if _WORDISH.fullmatch(token):
        return False
    from secgate.secrets.rules import shannon_entropy  # noqa: PLC0415 - avoids a cycle

    return shannon_entropy(token) >= 3.0


def redact_line(line: bytes, spans: Sequence[tuple[int, int, str]], limit: int = 240) -> str:
    """*line* as text, each ``(start, end, replacement)`` byte span replaced.

    Defence in depth: any other random-looking run of 16+ token characters on the line
    (a second value in a tuple, a key no rule knows) is replaced by its :func:`preview`
    too, so a snippet never shows more than the rule that fired had to. The result is cut
    to about *limit* characters around the first span, so a minified file does not put a
    megabyte in the report.
    """
    marks = [(max(0, s), min(len(line), e), r) for s, e, r in spans if s < len(line)]
    for token in _TOKEN.finditer(line):
        start, end = token.span()
        if any(start < e and end > s for s, e, _ in marks):
            continue
        if _looks_random(token.group()):
            marks.append((start, end, preview(token.group())))
    pieces: list[str] = []
    last = 0
    first_at = None
    for start, end, replacement in sorted(marks):
        if start < last:  # overlaps the previous span: hide the rest of it too
            last = max(last, end)
            continue
        pieces.append(line[last:start].decode("utf-8", "replace"))
        if first_at is None:
            first_at = sum(len(p) for p in pieces)
        pieces.append(replacement)
        last = max(last, end)
    pieces.append(line[last:].decode("utf-8", "replace"))
    text = "".join(pieces).rstrip("\r\n")
    text = "".join(c if c == "\t" or ord(c) >= 32 else "?" for c in text)
    if len(text) <= limit:
        return text
    begin = max(0, (first_at or 0) - limit // 3)
    cut = text[begin : begin + limit]
    return (ELLIPSIS if begin else "") + cut + (ELLIPSIS if begin + limit < len(text) else "")


# --------------------------------------------------------------------------- scanner text

#: ``scheme://user:password@``: the credentials part of a URL.
_URL_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,30}://)[^\s/@:]+:[^\s/@]+@")
#: Text holding no run of 8 token characters holds no secret a rule reports.
_CANDIDATE = re.compile(r"[A-Za-z0-9+/=_.~-]{8}")
#: The path the detector is told the text came from: an ordinary source file, so that the
#: rules run with their normal (not the tests' or docs' stricter) limits.
_TEXT_PATH = "scanner-output.txt"
#: The secrets scanner's findings are redacted where they are made (and hold previews).
_SECRETS_SCANNER = "secrets"


@functools.lru_cache(maxsize=1)
def _bundled_detector() -> Detector:
    """A detector over secgate's bundled secret rules, built once per process."""
    from secgate.secrets.engine import Detector  # noqa: PLC0415 - avoids a cycle
    from secgate.secrets.rules import load_rules  # noqa: PLC0415 - avoids a cycle

    return Detector(load_rules().rules)


def redact_text(text: str) -> str:
    """*text* with every secret the bundled rules find in it replaced by its :func:`preview`.

    For what scanners other than the secrets scanner write (a snippet, a message, a
    skip reason, an error): a line of code they flag, or a parser's complaint, may quote a
    token. URL credentials (``https://user:pass@host``) become ``https://***@host``. Text
    with nothing to redact is returned as it is (the same object).
    """
    if not text or not _CANDIDATE.search(text):
        return text
    out = _URL_USERINFO.sub(r"\1***@", text) if "://" in text else text
    data = out.encode("utf-8", "surrogatepass")
    result = _bundled_detector().scan_bytes(data, _TEXT_PATH)
    if not result.hits:
        return out
    pieces: list[bytes] = []
    last = 0
    for hit in sorted(result.hits, key=lambda h: (h.start, -h.end)):
        if hit.end <= last:
            continue
        start = max(hit.start, last)
        pieces.append(data[last:start])
        pieces.append(preview(hit.secret).encode("utf-8"))
        last = hit.end
    pieces.append(data[last:])
    return b"".join(pieces).decode("utf-8", "surrogatepass")


def _redact_values(
    values: dict[str, str | int | float | bool | None],
) -> dict[str, str | int | float | bool | None] | None:
    """*values* with each string redacted, or None when none changed."""
    changed = {k: redact_text(v) for k, v in values.items() if isinstance(v, str)}
    changed = {k: v for k, v in changed.items() if v is not values[k]}
    return {**values, **changed} if changed else None


def redact_finding(finding: Finding) -> Finding:
    """*finding* with its snippet, message and string properties redacted.

    The same object when nothing changed (most findings), and always for the secrets
    scanner's own findings, which hold previews already.
    """
    if finding.scanner == _SECRETS_SCANNER:
        return finding
    update: dict[str, Any] = {}
    message = redact_text(finding.message)
    if message is not finding.message:
        update["message"] = message
    if finding.snippet is not None:
        snippet = redact_text(finding.snippet)
        if snippet is not finding.snippet:
            update["snippet"] = snippet
    if finding.properties:
        properties = _redact_values(finding.properties)
        if properties is not None:
            update["properties"] = properties
    return finding.model_copy(update=update) if update else finding


def redact_skipped(skipped: SkippedFile) -> SkippedFile:
    """*skipped* with its reason redacted (the same object when nothing changed)."""
    reason = redact_text(skipped.reason)
    return skipped if reason is skipped.reason else skipped.model_copy(update={"reason": reason})


def redact_details(
    details: dict[str, str | int | float | bool | None],
) -> dict[str, str | int | float | bool | None]:
    """A scan's ``details`` (notes and warnings) with each string value redacted."""
    return _redact_values(details) or details
