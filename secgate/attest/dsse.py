"""DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol.md and envelope.md).

Signing and verifying go through ``securesystemslib`` (``securesystemslib.dsse.Envelope``,
``securesystemslib.signer.CryptoSigner``/``SSlibKey``). The signature is over
PAE(type, body) = ``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``.

Keyless signing (sigstore) hook: :func:`sign_statement` takes any
``securesystemslib.signer.Signer``; a sigstore signer from that package can be passed in
its place. secgate itself signs with a key only.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from typing import Any

from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, Signer, SSlibKey  # type: ignore[attr-defined]

from secgate.attest.keys import PrivateKey, PublicKey
from secgate.attest.statement import (
    STATEMENT_TYPE,
    VSA_TYPE,
    MalformedAttestationError,
    canonical_json,
)

PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def signer_for(private: PrivateKey) -> Signer:
    """A securesystemslib signer for a loaded private key."""
    return CryptoSigner(private)


def public_key(public: PublicKey) -> SSlibKey:
    """A securesystemslib key (its keyid is the key's own, computed from its value)."""
    return SSlibKey.from_crypto(public)


def sign_statement(statement: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """The DSSE envelope (as a JSON-ready dict) holding *statement*, signed by *signer*."""
    envelope = Envelope(canonical_json(statement), PAYLOAD_TYPE, {})
    envelope.sign(signer)
    return envelope.to_dict()


def parse_envelope(text: str | bytes, where: str) -> tuple[Envelope, dict[str, Any]]:
    """The envelope and its statement; MalformedAttestationError names what is wrong."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedAttestationError(f"{where}: not valid JSON ({exc})") from None
    return envelope_of(data, where)


def envelope_of(data: object, where: str) -> tuple[Envelope, dict[str, Any]]:
    """Check a parsed envelope dict: DSSE shape, in-toto payload, Statement v1, VSA."""
    if not isinstance(data, dict) or not {"payload", "payloadType", "signatures"} <= set(data):
        raise MalformedAttestationError(
            f"{where}: not a DSSE envelope (needs payload, payloadType and signatures)"
        )
    if data["payloadType"] != PAYLOAD_TYPE:
        raise MalformedAttestationError(
            f"{where}: payloadType is {data['payloadType']!r}, expected {PAYLOAD_TYPE!r}"
        )
    try:
        envelope = Envelope.from_dict(copy.deepcopy(data))  # from_dict pops keys
        payload = base64.b64decode(data["payload"], validate=True)
        statement = json.loads(payload)
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MalformedAttestationError(
            f"{where}: the envelope cannot be decoded ({exc})"
        ) from None
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise MalformedAttestationError(f"{where}: the payload is not an in-toto Statement v1")
    if statement.get("predicateType") != VSA_TYPE:
        raise MalformedAttestationError(
            f"{where}: predicateType is {statement.get('predicateType')!r}, expected {VSA_TYPE!r}"
        )
    if not isinstance(statement.get("predicate"), dict) or not isinstance(
        statement.get("subject"), list
    ):
        raise MalformedAttestationError(f"{where}: the statement lacks subject or predicate")
    return envelope, statement
