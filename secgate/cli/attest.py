"""``secgate keygen``, ``secgate attest`` and ``secgate verify-attestation``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from secgate.cli.exitcodes import EXIT_ERROR
from secgate.errors import UsageError

if TYPE_CHECKING:
    from secgate.models import Verdict

#: Exit code of a refused attestation (a valid file that does not prove what was asked).
EXIT_REFUSED = 1


def add_attest_parsers(sub: Any) -> None:
    """Register the three attestation subcommands."""
    keygen = sub.add_parser("keygen", help="write a signing key pair (PREFIX.key, PREFIX.pub)")
    keygen.add_argument(
        "--type",
        dest="key_type",
        choices=("ed25519", "ecdsa-p256"),
        default="ed25519",
        help="key algorithm (default: ed25519)",
    )
    keygen.add_argument(
        "-o",
        dest="key_prefix",
        metavar="PREFIX",
        default="secgate",
        help="write PREFIX.key (private, mode 0600: a CI secret) and PREFIX.pub "
        "(public: for the deploy job); default: secgate",
    )
    attest = sub.add_parser("attest", help="sign a JSON report's verdict (SLSA VSA in DSSE)")
    attest.add_argument("report", metavar="REPORT.json")
    attest.add_argument(
        "--signing-key",
        metavar="KEY",
        help="PEM private key file (default: $SECGATE_SIGNING_KEY, PEM text or a path; "
        "password in $SECGATE_SIGNING_KEY_PASSWORD)",
    )
    attest.add_argument("-o", dest="attest_output", metavar="FILE", help="default: stdout")
    attest.add_argument("--root", dest="attest_root", help="scanned root (default: the report's)")
    verify = sub.add_parser(
        "verify-attestation",
        help="exit 0 only if a signed verdict holds: signature, subject, PASSED, policy, age",
        description="The deploy stage's check of the gate's signed verdict. Exit 0: the "
        "signature is valid for --key, the subject is --commit (or $SECGATE_EXPECTED_COMMIT) "
        "and the --tree digest, the result is PASSED, the policy is the expected one, and it "
        "is younger than --max-age. Exit 1: refused, with the first failing check "
        "(signature, subject, verdict, policy, age). Exit 2: a malformed file or a bad key.",
    )
    verify.add_argument(
        "attestation", metavar="FILE", help="the DSSE envelope `--attest` or `attest` wrote"
    )
    verify.add_argument("--key", required=True, metavar="PUB", help="PEM public key file")
    verify.add_argument("--commit", metavar="SHA", help="the git commit that must be the subject")
    verify.add_argument("--tree", metavar="PATH", help="recompute the tree digest of PATH")
    expected = verify.add_mutually_exclusive_group()
    expected.add_argument(
        "--policy-digest", metavar="SHA256", help="the expected policy digest (sha256 hex)"
    )
    expected.add_argument(
        "--policy",
        dest="expected_policy",
        metavar="FILE",
        help="the expected policy: the digest `secgate check --config FILE --stage STAGE` "
        "attests (FILE: secgate.toml, a pyproject.toml, or a JSON report)",
    )
    verify.add_argument(
        "--stage",
        dest="verify_stage",
        metavar="STAGE",
        help="with --policy or --tree: the stage the gate ran (its profile decides)",
    )
    verify.add_argument(
        "--max-age", default="24h", metavar="AGE", help="refuse older attestations (24h)"
    )
    verify.add_argument(
        "--format", "-f", dest="verify_format", choices=("text", "json"), default="text"
    )


def add_check_attest_options(check: argparse.ArgumentParser) -> None:
    """``check --attest FILE --signing-key KEY``."""
    check.add_argument(
        "--attest",
        metavar="FILE",
        help="also write a signed attestation of the verdict (SLSA VSA in a DSSE envelope), "
        "pass or fail, to FILE",
    )
    check.add_argument(
        "--signing-key",
        metavar="KEY",
        help="with --attest: PEM private key file (default: $SECGATE_SIGNING_KEY)",
    )


class CheckAttestation:
    """``check --attest``: the key loaded before the scan, the subjects taken right after it.

    Reports written into the scanned tree (``--report json=secgate.json``) land after the
    subjects are taken, so they are not part of the attested tree digest.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        from secgate.attest.dsse import signer_for  # noqa: PLC0415
        from secgate.attest.keys import load_private_key  # noqa: PLC0415

        self.output = Path(args.attest)
        self.signer = signer_for(load_private_key(args.signing_key))
        self.subjects: list[dict[str, Any]] | None = None

    def take_subjects(self, verdict: Verdict, root: Path) -> None:
        from secgate.attest.statement import subjects_of  # noqa: PLC0415

        self.subjects = subjects_of(root, verdict.stage, exclude=(self.output,))

    def write(self, verdict: Verdict, root: Path) -> None:
        """Sign *verdict* (its canonical JSON report is digested) and write it."""
        from secgate.attest import attest  # noqa: PLC0415

        envelope = attest(verdict, signer=self.signer, root=root, subjects=self.subjects)
        self.output.write_text(json.dumps(envelope, indent=2) + "\n", encoding="utf-8")


def cmd_keygen(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.attest import write_keypair  # noqa: PLC0415

    private, public = write_keypair(Path(args.key_prefix), args.key_type)
    stdout.write(f"wrote {private} (private, keep it secret) and {public} (public)\n")
    return 0


def cmd_attest(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.attest import attest  # noqa: PLC0415

    envelope = attest(Path(args.report), key=args.signing_key, root=args.attest_root)
    _write(envelope, args.attest_output, stdout)
    return 0


def _write(envelope: dict[str, Any], output: str | None, stdout: TextIO) -> None:
    text = json.dumps(envelope, indent=2) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        stdout.write(text)


def cmd_verify_attestation(args: argparse.Namespace, stdout: TextIO) -> int:
    from secgate.attest import verify_attestation  # noqa: PLC0415
    from secgate.config import parse_duration  # noqa: PLC0415

    try:
        max_age = None if args.max_age in ("0", "none") else parse_duration(args.max_age)
    except ValueError as exc:
        raise UsageError(f"--max-age: {exc}") from None
    result = verify_attestation(
        args.attestation,
        key=args.key,
        commit=args.commit or os.environ.get("SECGATE_EXPECTED_COMMIT") or None,
        tree=args.tree,
        policy_digest=args.policy_digest,
        policy=args.expected_policy,
        stage=args.verify_stage,
        max_age=max_age,
    )
    if args.verify_format == "json":
        stdout.write(json.dumps(result.to_dict()) + "\n")
    elif result.ok:
        stdout.write("attestation verified\n")
    else:
        stdout.write(f"attestation refused: {result.reason}: {result.detail}\n")
    return 0 if result.ok else EXIT_REFUSED


__all__ = [
    "EXIT_ERROR",
    "CheckAttestation",
    "add_attest_parsers",
    "add_check_attest_options",
    "cmd_attest",
    "cmd_keygen",
    "cmd_verify_attestation",
]
