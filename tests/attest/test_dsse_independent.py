"""DSSE: the specification's own test vectors, and secgate's envelopes checked independently.

The vectors come from the DSSE reference implementation's docstring
(secure-systems-lab/dsse, implementation/signing_spec.py; Copyright 2021 Google LLC,
Apache-2.0; copy in /work/specs/dsse-signing_spec.py). The verifier below re-implements
PAE and uses ``cryptography`` only: it imports nothing from secgate's attest code.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# The reference implementation's P-256 key (public point) and expected envelope.
SPEC_X = 46950820868899156662930047687818585632848591499744589407958293238635476079160
SPEC_Y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
SPEC_TYPE = "http://example.com/HelloWorld"
SPEC_ENVELOPE = {
    "payload": "aGVsbG8gd29ybGQ=",
    "payloadType": SPEC_TYPE,
    "signatures": [
        {
            "keyid": "66301bbf",
            "sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajab"
            "ZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==",
        }
    ],
}


def independent_pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode()
    return (
        b"DSSEv1 "
        + str(len(kind)).encode()
        + b" "
        + kind
        + b" "
        + str(len(payload)).encode()
        + b" "
        + payload
    )


def independent_verify(envelope: dict[str, Any], public: Any) -> bool:
    message = independent_pae(envelope["payloadType"], base64.b64decode(envelope["payload"]))
    for signature in envelope["signatures"]:
        sig = base64.b64decode(signature["sig"])
        try:
            if isinstance(public, ed25519.Ed25519PublicKey):
                public.verify(sig, message)
            else:
                if len(sig) == 64:  # the reference implementation's raw r || s form
                    sig = encode_dss_signature(
                        int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
                    )
                public.verify(sig, message, ec.ECDSA(hashes.SHA256()))
        except Exception:  # noqa: BLE001, S112 - InvalidSignature: try the next one
            continue
        return True
    return False


def test_the_spec_pae_vector() -> None:
    from secgate.attest import pae  # noqa: PLC0415

    expected = b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    assert independent_pae(SPEC_TYPE, b"hello world") == expected
    assert pae(SPEC_TYPE, b"hello world") == expected


def test_the_spec_envelope_signature_verifies_and_a_changed_payload_does_not() -> None:
    public = ec.EllipticCurvePublicNumbers(SPEC_X, SPEC_Y, ec.SECP256R1()).public_key()
    assert independent_verify(SPEC_ENVELOPE, public)
    changed = {**SPEC_ENVELOPE, "payload": base64.b64encode(b"hello world!").decode()}
    assert not independent_verify(changed, public)


def test_securesystemslib_round_trips_the_spec_envelope() -> None:
    from securesystemslib.dsse import Envelope  # noqa: PLC0415

    envelope = Envelope.from_dict(json.loads(json.dumps(SPEC_ENVELOPE)))
    assert envelope.pae() == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    assert envelope.to_dict() == SPEC_ENVELOPE


def test_secgate_envelopes_verify_independently(tmp_path: Path) -> None:
    from secgate.attest import attest, write_keypair  # noqa: PLC0415 - the thing under test

    report = {"tool": "secgate", "verdict": "pass", "root": str(tmp_path), "policy": {}}
    (tmp_path / "a.py").write_text("x = 1\n")
    for kind in ("ed25519", "ecdsa-p256"):
        private, public_path = write_keypair(tmp_path / kind, kind)
        envelope = json.loads(json.dumps(attest(report, key=private)))
        public = serialization.load_pem_public_key(public_path.read_bytes())
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
        assert independent_verify(envelope, public), kind
        statement = json.loads(base64.b64decode(envelope["payload"]))
        assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
        tampered = {**envelope, "payload": base64.b64encode(b"{}").decode()}
        assert not independent_verify(tampered, public), kind
