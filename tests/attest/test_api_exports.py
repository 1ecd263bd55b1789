"""``secgate.attest`` and ``secgate.verify_attestation`` are public, whatever was imported first."""

from __future__ import annotations

from pathlib import Path

import secgate
import secgate.cli.attest  # imports the secgate.attest package as a submodule


def test_the_public_api_signs_and_verifies(tmp_path: Path) -> None:
    from secgate.attest import write_keypair  # noqa: PLC0415

    private, public = write_keypair(tmp_path / "k")
    report = {"tool": "secgate", "verdict": "pass", "root": str(tmp_path), "policy": {}}
    (tmp_path / "a.py").write_text("x = 1\n")
    envelope = secgate.attest(report, key=private)
    result = secgate.verify_attestation(envelope, key=public, tree=tmp_path)
    assert isinstance(result, secgate.VerificationResult)
    assert result.ok
    assert result.reason is None
    assert {"attest", "verify_attestation", "VerificationResult"} <= set(secgate.__all__)
