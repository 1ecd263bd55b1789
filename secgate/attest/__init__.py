"""Signed verdicts: a SLSA VSA v1 statement about a secgate report, in a DSSE envelope.

``attest()`` signs, ``verify_attestation()`` checks; a deploy step runs the latter (or
``secgate verify-attestation``) in its own process with the public key only.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.attest.dsse import PAYLOAD_TYPE, pae, sign_statement, signer_for
from secgate.attest.keys import KeyLoadError, load_private_key, load_public_key, write_keypair
from secgate.attest.statement import (
    MalformedAttestationError,
    build_statement,
    canonical_json,
    policy_digest,
    tree_digest,
)
from secgate.attest.verify import DEFAULT_MAX_AGE, VerificationResult, verify_attestation

if TYPE_CHECKING:
    from securesystemslib.signer import Signer  # type: ignore[attr-defined]

    from secgate.models import Verdict


def attest(
    verdict_or_report: Verdict | str | Path | dict[str, Any],
    *,
    key: str | Path | None = None,
    signer: Signer | None = None,
    password: str | None = None,
    root: str | Path | None = None,
    subjects: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The signed DSSE envelope (a JSON-ready dict) attesting a verdict.

    *verdict_or_report* is a :class:`~secgate.Verdict`, a parsed JSON report, or the path
    of a JSON report (then its file bytes are digested; otherwise the canonical JSON of
    the report). *key* is a PEM path or PEM text (default ``$SECGATE_SIGNING_KEY``);
    *signer* (any ``securesystemslib`` signer, e.g. a sigstore one) replaces it.
    *subjects* taken earlier (``statement.subjects_of(root, stage)`` right after the scan)
    replace the ones computed now from *root*.
    """
    from secgate.models import Verdict  # noqa: PLC0415

    if isinstance(verdict_or_report, Verdict):
        report = verdict_or_report.model_dump(mode="json")
        raw, uri = canonical_json(report), "secgate:report (canonical JSON)"
    elif isinstance(verdict_or_report, dict):
        report = verdict_or_report
        raw, uri = canonical_json(report), "secgate:report (canonical JSON)"
    else:
        path = Path(verdict_or_report)
        try:
            raw = path.read_bytes()
            report = json.loads(raw)
        except OSError as exc:
            raise MalformedAttestationError(f"{path}: cannot read ({exc.strerror})") from None
        except ValueError as exc:
            raise MalformedAttestationError(f"{path}: not a JSON report ({exc})") from None
        if not isinstance(report, dict) or report.get("tool") != "secgate":
            raise MalformedAttestationError(f"{path}: not a secgate JSON report")
        uri = path.name
    if signer is None:
        signer = signer_for(load_private_key(key, password))
    statement = build_statement(report, raw, report_uri=uri, root=root, subjects=subjects)
    return sign_statement(statement, signer)


class _CallableModule(types.ModuleType):
    """``secgate.attest(...)`` works even once this package is imported as a submodule.

    Importing ``secgate.attest`` binds the name ``attest`` on ``secgate`` to this module,
    shadowing the function ``secgate.attest``; calling the module calls the function.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return attest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "DEFAULT_MAX_AGE",
    "PAYLOAD_TYPE",
    "KeyLoadError",
    "MalformedAttestationError",
    "VerificationResult",
    "attest",
    "build_statement",
    "load_private_key",
    "load_public_key",
    "pae",
    "policy_digest",
    "tree_digest",
    "verify_attestation",
    "write_keypair",
]
