"""Versions as OSV's PyPI ecosystem orders and compares them.

Versions compare by PEP 440. A version that is not PEP 440 sorts before every valid one
(the old ``LegacyVersion`` rule), except that ``introduced: "0"`` sorts before everything.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version


@functools.lru_cache(maxsize=65536)
def version_key(text: str) -> tuple[Any, ...]:
    """A sort key ordering versions the way OSV's PyPI ecosystem does.

    PEP 440 versions compare as PEP 440 says; a string that is not PEP 440 sorts before
    every valid version (and among such strings, as text); ``"0"`` as an ``introduced``
    event sorts before everything (callers pass :data:`INTRODUCED_ZERO` for that).
    """
    try:
        return (2, Version(text))
    except InvalidVersion:
        return (1, text)


#: The key of ``introduced: "0"``: before any other version, valid or not.
INTRODUCED_ZERO: tuple[Any, ...] = (0,)


def is_valid_version(text: str) -> bool:
    """True when *text* is a PEP 440 version."""
    return bool(version_key(text)[0] == 2)


_PLAIN_RELEASE = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*")
_TRAILING_ZEROS = re.compile(r"(?:\.0)+$")


@functools.lru_cache(maxsize=65536)
def canonical_version(text: str) -> str:
    """A string equal for versions PEP 440 calls equal (``2.10``, ``2.10.0``, ``v2.10``);
    the stripped text itself for a string that is not PEP 440."""
    if _PLAIN_RELEASE.fullmatch(text):
        # The common case, without a full parse: what canonicalize_version returns for a
        # plain release (trailing zero components dropped, "0.0" -> "0").
        return _TRAILING_ZEROS.sub("", text)
    key = version_key(text)
    return canonicalize_version(key[1]) if key[0] == 2 else text.strip()
