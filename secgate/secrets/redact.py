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


def redact_line(line: bytes, spans: Sequence[tuple[int, int]], limit: int = 240) -> str:
    """*line* as text with every ``[start, end)`` span replaced by its :func:`preview`.

    Spans are byte offsets into *line*. The result is cut to about *limit* characters
    around the first span, so a minified file does not put a megabyte in the report.
    """
    pieces: list[str] = []
    last = 0
    first_at = None
    for start, end in sorted(spans):
        if start < last:  # overlapping spans: the earlier one already covers this text
            start = last
            if end <= start:
                continue
        pieces.append(line[last:start].decode("utf-8", "replace"))
        if first_at is None:
            first_at = sum(len(p) for p in pieces)
        pieces.append(preview(line[start:end]))
        last = end
    pieces.append(line[last:].decode("utf-8", "replace"))
    text = "".join(pieces).rstrip("\r\n")
    text = "".join(c if c == "\t" or ord(c) >= 32 else "?" for c in text)
    if len(text) <= limit:
        return text
    begin = max(0, (first_at or 0) - limit // 3)
    cut = text[begin : begin + limit]
    return (ELLIPSIS if begin else "") + cut + (ELLIPSIS if begin + limit < len(text) else "")
