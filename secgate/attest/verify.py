"""Verify a secgate attestation: signature, subject, verdict, policy, age (in that order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from securesystemslib.exceptions import VerificationError

from secgate.attest.dsse import envelope_of, parse_envelope, public_key
from secgate.attest.keys import PublicKey, load_public_key
from secgate.attest.statement import expected_policy_digest, tree_digest

Reason = Literal["signature", "subject", "verdict", "policy", "age"]

#: The default ``--max-age``: an attestation older than a day is refused.
DEFAULT_MAX_AGE = 24 * 3600.0


@dataclass(frozen=True)
class VerificationResult:
    """``ok``, or the first failing check's ``reason`` and a sentence in ``detail``."""

    ok: bool
    reason: Reason | None = None
    detail: str = ""
    statement: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``--format json`` prints: with what was attested, once signed.

        ``attested`` (the subjects, the result, the time, the policy digest) is there only
        when the signature checked: an unsigned claim is not repeated.
        """
        found: dict[str, Any] = {"ok": self.ok, "reason": self.reason, "detail": self.detail}
        if self.reason != "signature" and self.statement:
            predicate = self.statement.get("predicate") or {}
            found["attested"] = {
                "subject": self.statement.get("subject"),
                "verificationResult": predicate.get("verificationResult"),
                "timeVerified": predicate.get("timeVerified"),
                "policyDigest": ((predicate.get("policy") or {}).get("digest") or {}).get("sha256"),
            }
        return found


def _refuse(reason: Reason, detail: str, statement: dict[str, Any]) -> VerificationResult:
    return VerificationResult(False, reason, detail, statement)


def _digests(statement: dict[str, Any], algorithm: str) -> set[str]:
    found = set()
    for subject in statement.get("subject", ()):
        if isinstance(subject, dict) and isinstance(subject.get("digest"), dict):
            value = subject["digest"].get(algorithm)
            if isinstance(value, str):
                found.add(value.lower())
    return found


def verify_attestation(
    attestation: str | Path | dict[str, Any],
    *,
    key: str | Path | PublicKey,
    commit: str | None = None,
    tree: str | Path | None = None,
    policy_digest: str | None = None,
    policy: str | Path | None = None,
    stage: str | None = None,
    max_age: float | None = DEFAULT_MAX_AGE,
    now: datetime | None = None,
) -> VerificationResult:
    """Check an attestation (a file path or the parsed envelope) against *key* and the facts.

    Raises MalformedAttestationError (exit 2) when it is not a secgate attestation, and
    KeyLoadError for an unusable key. ``max_age=None`` skips the age check. *policy* (a
    config file, or a JSON report) with *stage* gives the expected policy digest in place
    of *policy_digest*: the one ``secgate check --config POLICY --stage STAGE`` attests.
    """
    if policy is not None:
        if policy_digest is not None:
            raise ValueError("give policy or policy_digest, not both")
        policy_digest = expected_policy_digest(policy, stage)
    if isinstance(attestation, dict):
        envelope, statement = envelope_of(attestation, "the attestation")
    else:
        path = Path(attestation)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            from secgate.attest.statement import MalformedAttestationError  # noqa: PLC0415

            raise MalformedAttestationError(f"{path}: cannot read ({exc.strerror})") from None
        envelope, statement = parse_envelope(raw, str(path))
    loaded = key if not isinstance(key, str | Path) else load_public_key(key)
    try:
        envelope.verify([public_key(loaded)], 1)
    except VerificationError:
        return _refuse("signature", "no valid signature by the given key", statement)
    predicate = statement["predicate"]
    if commit is not None and commit.lower() not in _digests(statement, "gitCommit"):
        return _refuse("subject", f"the attestation is not for commit {commit}", statement)
    if tree is not None:
        # The attestation file itself, when the deploy step keeps it in the tree, is not
        # part of what the gate scanned.
        inside = () if isinstance(attestation, dict) else (Path(attestation),)
        digest = tree_digest(tree, stage, inside)
        if digest not in _digests(statement, "sha256"):
            return _refuse(
                "subject",
                f"the tree digest of {tree} ({digest}) is not the attested one",
                statement,
            )
    if predicate.get("verificationResult") != "PASSED":
        result = predicate.get("verificationResult")
        return _refuse("verdict", f"the attested verification result is {result}", statement)
    if policy_digest is not None:
        attested = (predicate.get("policy") or {}).get("digest", {}).get("sha256")
        if attested != policy_digest.lower():
            return _refuse(
                "policy", f"attested policy digest {attested} is not {policy_digest}", statement
            )
    if max_age is not None:
        try:
            verified = datetime.strptime(predicate["timeVerified"], "%Y-%m-%dT%H:%M:%SZ")
        except (KeyError, TypeError, ValueError):
            return _refuse("age", "timeVerified is missing or not a UTC timestamp", statement)
        age = ((now or datetime.now(UTC)) - verified.replace(tzinfo=UTC)).total_seconds()
        if age > max_age:
            return _refuse(
                "age", f"verified {int(age)}s ago, more than the allowed {int(max_age)}s", statement
            )
    return VerificationResult(True, None, "", statement)
