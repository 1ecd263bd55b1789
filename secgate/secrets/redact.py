"""Redaction: what a report may say about a secret without saying the secret.

* :func:`preview`: a few leading characters and the length, ``ghp_…(40 chars)``. The
  leading characters are mostly the provider's public prefix; for short secrets fewer are
  shown (never more than a fifth of the value).
* :func:`fingerprint`: HMAC-SHA256 of (rule id, path, secret), keyed. Baselines and SARIF
  ``partialFingerprints`` match findings across runs and machines by it, without storing
  the value.

The key comes from, in order: the secrets scanner's ``fingerprint-key`` option, the
``SECGATE_FINGERPRINT_KEY`` environment variable, else :data:`DEFAULT_FINGERPRINT_KEY`.
The default is public, so that baselines match on every machine with no setup; then a
fingerprint of a *weak* secret (a short password) can be checked against guesses by anyone
holding the report. Teams that publish reports should set their own key (the same one
everywhere their baselines are used); changing the key changes every fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Sequence

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
