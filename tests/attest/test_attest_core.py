"""secgate.attest: signing, the tamper cases and key errors, through the Python API."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from secgate.attest import (
    KeyLoadError,
    MalformedAttestationError,
    attest,
    policy_digest,
    verify_attestation,
    write_keypair,
)

POLICY = {"fail_on": "high", "exclude": ["tests/"]}


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n")
    (root / "lib.py").write_text("VALUE = 1\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    return root


def _report(root: Path, verdict: str = "pass") -> dict[str, Any]:
    return {"tool": "secgate", "verdict": verdict, "root": str(root), "policy": POLICY}


@pytest.fixture(params=["ed25519", "ecdsa-p256"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path]:
    return write_keypair(tmp_path / "gate", request.param)


def test_keygen_writes_a_private_key_only_its_owner_reads(keys: tuple[Path, Path]) -> None:
    private, public = keys
    assert private.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN PUBLIC KEY" in public.read_bytes()


def test_a_passing_attestation_verifies_for_its_commit_tree_and_policy(
    repo: Path, keys: tuple[Path, Path]
) -> None:
    envelope = attest(_report(repo), key=keys[0])
    result = verify_attestation(
        envelope,
        key=keys[1],
        commit=_git(repo, "rev-parse", "HEAD"),
        tree=repo,
        policy_digest=policy_digest(POLICY),
    )
    assert result.ok, result


def _with_payload(envelope: dict[str, Any], payload: bytes) -> dict[str, Any]:
    return {**envelope, "payload": base64.b64encode(payload).decode()}


def test_tamper_cases_are_refused_with_their_reason(
    repo: Path, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    envelope = attest(_report(repo), key=keys[0])
    payload = base64.b64decode(envelope["payload"])
    flipped = payload.replace(b"PASSED", b"PASSEE")
    assert verify_attestation(_with_payload(envelope, flipped), key=keys[1]).reason == "signature"
    _, other_pub = write_keypair(tmp_path / "other")
    assert verify_attestation(envelope, key=other_pub).reason == "signature"
    assert verify_attestation(envelope, key=keys[1], commit="0" * 40).reason == "subject"
    (repo / "lib.py").write_text("VALUE = 2\n")
    assert verify_attestation(envelope, key=keys[1], tree=repo).reason == "subject"
    failed = attest(_report(repo, "fail"), key=keys[0])
    assert verify_attestation(failed, key=keys[1]).reason == "verdict"
    other_policy = policy_digest({**POLICY, "fail_on": "critical"})
    assert verify_attestation(envelope, key=keys[1], policy_digest=other_policy).reason == "policy"
    later = datetime.now(UTC) + timedelta(hours=25)
    assert verify_attestation(envelope, key=keys[1], now=later).reason == "age"
    assert verify_attestation(envelope, key=keys[1], now=later, max_age=None).ok


def test_malformed_attestations_raise(repo: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    envelope = attest(_report(repo), key=keys[0])
    truncated = tmp_path / "cut.json"
    truncated.write_text(json.dumps(envelope)[:-20])
    with pytest.raises(MalformedAttestationError, match="not valid JSON"):
        verify_attestation(truncated, key=keys[1])
    with pytest.raises(MalformedAttestationError, match="payloadType"):
        verify_attestation({**envelope, "payloadType": "text/plain"}, key=keys[1])
    with pytest.raises(MalformedAttestationError, match="not a DSSE envelope"):
        verify_attestation({"payload": "x"}, key=keys[1])


def _pem(key: Any, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def test_key_errors_name_the_problem_without_key_material(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECGATE_SIGNING_KEY", raising=False)
    monkeypatch.delenv("SECGATE_SIGNING_KEY_PASSWORD", raising=False)
    report = {"tool": "secgate", "verdict": "pass", "root": str(tmp_path), "policy": {}}
    cases: list[tuple[bytes | None, str, str | None]] = [
        (None, "key file not found", None),
        (_pem(rsa.generate_private_key(65537, 2048)), "RSA", None),
        (_pem(ec.generate_private_key(ec.SECP384R1())), "secp384r1", None),
        (_pem(ec.generate_private_key(ec.SECP256R1()), b"pw"), "encrypted", None),
        (_pem(ec.generate_private_key(ec.SECP256R1()), b"pw"), "wrong password", "nope"),
    ]
    for index, (pem, expected, password) in enumerate(cases):
        path = tmp_path / f"k{index}.pem"
        if pem is not None:
            path.write_bytes(pem)
        with pytest.raises(KeyLoadError, match=expected) as caught:
            attest(report, key=path, password=password)
        assert "BEGIN" not in str(caught.value)
    _, public = write_keypair(tmp_path / "pubonly")
    with pytest.raises(KeyLoadError, match="public key was given"):
        attest(report, key=public)
    with pytest.raises(KeyLoadError, match="no signing key"):
        attest(report)
