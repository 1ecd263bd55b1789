"""Private key blocks: the forward-only search of multi-line rules, and the real-body check.

A key block spans lines, so its rule's regex sees the text from a candidate line to the
end of the text (no fixed look-ahead decides a match); :class:`MultilineState` keeps each
rule's searches moving forward, so time stays linear in the length of the text.
:func:`real_key_block` tells a key with a real base64 body from a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from secgate.secrets.compiled import CompiledRule
from secgate.secrets.regex import Match


class MultilineState:
    """Where each multi-line rule's last search ended, for one scan of one text.

    A multi-line rule's regex runs over the text from a candidate line to the end of the
    text. An unanchored search from *pos* returns the leftmost match at or after *pos*, so
    its answer holds for every later start up to that match: it is reused for the
    candidate lines before the match, and a search that found nothing ends the rule for
    this text. Lines inside a reported block are not searched again. Each rule's searches
    thus move forward through the text: linear in its length.
    """

    def __init__(self) -> None:
        self._last: dict[int, tuple[int, Match | None]] = {}
        self._resume: dict[int, int] = {}

    def matches(self, item: CompiledRule, data: bytes, start: int, end: int) -> Iterator[Match]:
        order = item.order
        pos = max(start, self._resume.get(order, 0))
        while pos < end:
            last = self._last.get(order)
            if last is not None and last[0] <= pos and (last[1] is None or last[1].start() >= pos):
                match = last[1]
            else:
                match = item.pattern.search(data, pos)
                self._last[order] = (pos, match)
            if match is None or match.start() >= end:
                return
            self._resume[order] = pos = max(match.end(), match.start() + 1)
            yield match


#: The bytes :func:`real_key_block` counts as key text (what ``str.isalnum`` says of each
#: byte as a Latin-1 character, and ``+/=``); all others are deleted before counting.
_NOT_KEY_TEXT = bytes(b for b in range(256) if not (chr(b).isalnum() or b in b"+/="))
_WHITESPACE = re.compile(rb"\s+")


def real_key_block(block: bytes) -> bool:
    """A private key block with a real body: enough base64 text, no ``...``/``xxx``.

    Whitespace (line breaks, indentation, any padding) is not part of the body; the
    checks run at C speed, so a block padded with megabytes of spaces costs little.
    """
    body = block.split(b"-----", 2)[-1]
    body = body.rsplit(b"-----END", 1)[0]
    if b"..." in body or b"\xe2\x80\xa6" in body:
        return False
    compact = _WHITESPACE.sub(b"", body.replace(b"\\n", b""))
    if _placeholder_key_body(compact):
        return False
    return len(compact.translate(None, _NOT_KEY_TEXT)) >= 32


#: Words a template key body holds and a real (base64) one does not, in practice: the
#: generic placeholder filter is not used on key bodies, because real keys hold runs such
#: as ``AAAAAAAA`` (every OpenSSH key) and, by chance, short words (``fake``, ``123456``).
_KEY_PLACEHOLDERS = (
    "xxxxxx",
    "****",
    "####",
    "<",
    ">",
    "${",
    "{{",
    "example",
    "placeholder",
    "redacted",
    "changeme",
    "notreal",
    "yourkey",
    "your_",
    "your-",
)


def _placeholder_key_body(compact: bytes) -> bool:
    """A key body that is a template: few distinct characters, or a placeholder word."""
    if len(set(compact)) < 10:
        return True
    text = compact.decode("latin-1").lower()
    return any(word in text for word in _KEY_PLACEHOLDERS)
