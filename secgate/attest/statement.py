"""The attestation's statement: an in-toto Statement v1 with a SLSA VSA v1 predicate.

Spec: https://slsa.dev/spec/v1.1/verification_summary (predicate type
``https://slsa.dev/verification_summary/v1``) inside an in-toto Statement v1
(https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).

Subjects:

- ``{"name": "git-commit", "digest": {"gitCommit": HEAD}}`` when the root is in a git
  work tree;
- always ``{"name": "tree", "digest": {"sha256": TREE}}``, the **tree digest**: sha256 over
  the lines ``<sha256 hex of the file's bytes>  <POSIX path relative to the root>\\n``, one
  per file the gate collected, sorted by path (``sha256sum`` output sorted by path). It
  does not depend on file order or mtimes. Files the config excludes (globs, .gitignore,
  symbolic links) are not in it: the policy digest covers the effective policy that says
  which were excluded. The collection is recomputed with the tree's own config
  (``secgate.toml``/``pyproject.toml`` found from the root, for the report's stage).
  ``check --attest`` takes it right after the scan, before its reports are written (a
  report written into the tree is not in it), and the attestation file itself is never in
  it (the deploy step may keep it in its checkout).

Policy digest: sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the
effective policy (the report's ``policy``) without the keys that cannot change a verdict
(``NON_DECIDING``: the result cache and the worker count), so ``--no-cache`` on the gate
does not change it. ``expected_policy_digest(FILE, stage)`` computes it from a config file
for the deploy stage (``verify-attestation --policy FILE``). ``verifiedLevels`` hold
secgate's own values (``SECGATE_VERDICT_PASS``, ``SECGATE_FAIL_ON_<SEVERITY>``), never
the reserved ``SLSA_``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secgate import __version__
from secgate.errors import SecgateError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
VSA_TYPE = "https://slsa.dev/verification_summary/v1"
VERIFIER_ID = "https://github.com/secgate-ci/secgate"
SLSA_VERSION = "1.1"


class MalformedAttestationError(SecgateError):
    """The file is not a secgate attestation (bad JSON, not DSSE, not a VSA statement)."""


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes every digest here is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


#: Effective-policy keys that cannot change a verdict, left out of the policy digest.
NON_DECIDING = frozenset({"cache", "cache-dir", "cache-max-mb", "jobs"})


def policy_digest(policy: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of an effective policy's deciding keys."""
    deciding = {k: v for k, v in policy.items() if k not in NON_DECIDING}
    return hashlib.sha256(canonical_json(deciding)).hexdigest()


def expected_policy_digest(path: str | Path, stage: str | None = None) -> str:
    """The policy digest ``secgate check --config PATH --stage STAGE`` attests.

    *path* is a config file (``secgate.toml``, a ``pyproject.toml`` with ``[tool.secgate]``)
    or a secgate JSON report (its ``policy``). Raises ConfigError for a bad config file.
    """
    from secgate.config import load_file  # noqa: PLC0415 - pydantic, loaded on use

    file = Path(path)
    if file.suffix == ".json":
        try:
            report = json.loads(file.read_bytes())
        except OSError as exc:
            raise MalformedAttestationError(f"{file}: cannot read ({exc.strerror})") from None
        except ValueError as exc:
            raise MalformedAttestationError(f"{file}: not JSON ({exc})") from None
        if not isinstance(report, dict) or not isinstance(report.get("policy"), dict):
            raise MalformedAttestationError(f"{file}: not a secgate JSON report (no policy)")
        return policy_digest(report["policy"])
    loaded = load_file(file)
    return policy_digest(loaded.config.for_stage(stage, str(file)).effective_dict())


def collected_files(root: Path, stage: str | None = None) -> tuple[str, ...]:
    """The files ``secgate check ROOT`` collects, with the config found from *root*."""
    from secgate.config import discover  # noqa: PLC0415 - pydantic, loaded on use
    from secgate.files import collect_files  # noqa: PLC0415

    loaded = discover(root)
    effective = loaded.config.for_stage(stage, str(loaded.path) if loaded.path else None)
    return collect_files(root, [root], effective).files


def _relative(path: str | Path, root: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def tree_digest(
    root: str | Path, stage: str | None = None, exclude: tuple[str | Path, ...] = ()
) -> str:
    """The tree digest of *root* (algorithm in the module docstring).

    *exclude*: files left out, the attestation itself when it is written into the tree.
    """
    base = Path(root)
    skipped = {rel for rel in (_relative(path, base) for path in exclude) if rel}
    lines = []
    for rel in sorted(set(collected_files(base, stage)) - skipped):
        content = hashlib.sha256((base / rel).read_bytes()).hexdigest()
        lines.append(f"{content}  {rel}\n")
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def git_commit(root: str | Path) -> str | None:
    """HEAD of the git work tree holding *root*, or None outside one."""
    try:
        done = subprocess.run(  # noqa: S603
            ["git", "-C", str(root), "rev-parse", "--verify", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and sha else None


def subjects_of(
    root: str | Path, stage: str | None = None, exclude: tuple[str | Path, ...] = ()
) -> list[dict[str, Any]]:
    """The statement's subjects for the scanned *root*."""
    found: list[dict[str, Any]] = []
    commit = git_commit(root)
    if commit:
        found.append({"name": "git-commit", "digest": {"gitCommit": commit}})
    found.append({"name": "tree", "digest": {"sha256": tree_digest(root, stage, exclude)}})
    return found


def _levels(report: Mapping[str, Any], passed: bool) -> list[str]:
    levels = ["SECGATE_VERDICT_PASS" if passed else "SECGATE_VERDICT_FAIL"]
    fail_on = report.get("policy", {}).get("fail_on") or report.get("policy", {}).get("fail-on")
    if isinstance(fail_on, str):
        levels.append(f"SECGATE_FAIL_ON_{fail_on.upper()}")
    return levels


def build_statement(
    report: Mapping[str, Any],
    report_bytes: bytes,
    *,
    report_uri: str,
    root: str | Path | None = None,
    now: datetime | None = None,
    subjects: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The VSA statement for a JSON *report* (its parsed dict and the bytes digested)."""
    scanned = Path(root if root is not None else report.get("root") or ".")
    verdict = report.get("verdict") or report.get("status")
    passed = verdict == "pass"
    versions = {"secgate": str(report.get("tool_version") or __version__)}
    for result in report.get("scanners", ()):
        if isinstance(result, Mapping) and result.get("version"):
            versions[str(result["name"])] = str(result["version"])
    policy = report.get("policy") or {}
    commit = git_commit(scanned)
    resource = scanned.resolve().as_uri()
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects if subjects is not None else subjects_of(scanned, report.get("stage")),
        "predicateType": VSA_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": versions},
            "timeVerified": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resourceUri": f"git+{resource}@{commit}" if commit else resource,
            "policy": {
                "uri": str(report.get("config_file") or "secgate:effective-policy"),
                "digest": {"sha256": policy_digest(policy)},
            },
            "inputAttestations": [
                {"uri": report_uri, "digest": {"sha256": hashlib.sha256(report_bytes).hexdigest()}}
            ],
            "verificationResult": "PASSED" if passed else "FAILED",
            "verifiedLevels": _levels(report, passed),
            "slsaVersion": SLSA_VERSION,
        },
    }
