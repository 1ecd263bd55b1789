"""Weakness families: which CWEs name the same kind of problem. The one table, in code.

Two findings from different scanners on the same lines whose CWEs fall in one family are
the same issue reported twice (bandit's B602 and the pack's shell-injection rule, say); a
pattern finding in a family that a taint rule analysed without finding a flow is
unconfirmed. Both questions are asked here, so every part of secgate (the merge, the
evidence check, the detection benchmark) agrees on what a family is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: Family name -> the CWE ids it covers. A CWE belongs to at most one family.
FAMILIES: Final[dict[str, frozenset[int]]] = {
    "command-injection": frozenset({77, 78, 88}),
    "code-injection": frozenset({94, 95, 1336}),
    "sql-injection": frozenset({89, 564}),
    "ldap-injection": frozenset({90}),
    "xpath-injection": frozenset({643, 652}),
    "xss": frozenset({79, 80, 116}),
    "path-traversal": frozenset({22, 23, 36, 73}),
    "open-redirect": frozenset({601}),
    "deserialization": frozenset({502}),
    "xxe": frozenset({611, 776, 827}),
    "ssrf": frozenset({918}),
    "header-injection": frozenset({113, 93}),
    "log-injection": frozenset({117}),
    "weak-hash": frozenset({327, 328, 916, 759, 760}),
    "weak-random": frozenset({330, 331, 338}),
    "insecure-cookie": frozenset({614, 1004, 1275}),
    "trust-boundary": frozenset({501}),
    "tls-verification": frozenset({295, 297}),
    "hardcoded-secret": frozenset({798, 259, 321}),
}

_BY_CWE: Final[dict[int, str]] = {cwe: name for name, cwes in FAMILIES.items() for cwe in cwes}


def family_of(cwes: Iterable[int]) -> str | None:
    """The family of the first CWE in *cwes* that has one, else None."""
    for cwe in cwes:
        name = _BY_CWE.get(cwe)
        if name is not None:
            return name
    return None


def families_of(cwes: Iterable[int]) -> frozenset[str]:
    """Every family *cwes* touch."""
    return frozenset(name for cwe in cwes if (name := _BY_CWE.get(cwe)) is not None)
