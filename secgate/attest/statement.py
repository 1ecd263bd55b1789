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

Policy digest: sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the
effective policy (the report's ``policy``). ``verifiedLevels`` hold secgate's own values
(``SECGATE_VERDICT_PASS``, ``SECGATE_FAIL_ON_<SEVERITY>``), never the reserved ``SLSA_``.
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

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
VSA_TYPE = "https://slsa.dev/verification_summary/v1"
VERIFIER_ID = "https://github.com/secgate-ci/secgate"
SLSA_VERSION = "1.1"


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes every digest here is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def policy_digest(policy: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of an effective policy."""
    return hashlib.sha256(canonical_json(dict(policy))).hexdigest()


def collected_files(root: Path, stage: str | None = None) -> tuple[str, ...]:
    """The files ``secgate check ROOT`` collects, with the config found from *root*."""
    from secgate.config import discover  # noqa: PLC0415 - pydantic, loaded on use
    from secgate.files import collect_files  # noqa: PLC0415

    loaded = discover(root)
    effective = loaded.config.for_stage(stage, str(loaded.path) if loaded.path else None)
    return collect_files(root, [root], effective).files


def tree_digest(root: str | Path, stage: str | None = None) -> str:
    """The tree digest of *root* (algorithm in the module docstring)."""
    base = Path(root)
    lines = []
    for rel in sorted(collected_files(base, stage)):
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


def subjects(root: str | Path, stage: str | None = None) -> list[dict[str, Any]]:
    """The statement's subjects for the scanned *root*."""
    found: list[dict[str, Any]] = []
    commit = git_commit(root)
    if commit:
        found.append({"name": "git-commit", "digest": {"gitCommit": commit}})
    found.append({"name": "tree", "digest": {"sha256": tree_digest(root, stage)}})
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
        "subject": subjects(scanned, report.get("stage")),
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
