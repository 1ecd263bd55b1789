"""From findings to the verdict: the adjust hooks, the evaluate hook, the coverage policy.

The one-way flow after the scanners: ``secgate_adjust_findings`` (built-in: path-policy
exclusions, waivers, the baseline, ``--new-since``; see :mod:`secgate.adjust`) marks what must
not be judged as new, ``secgate_evaluate`` (built-in: :mod:`secgate.policy`) decides, and the
coverage policy (:mod:`secgate.coverage`) is laid over the decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from secgate import __version__
from secgate.api import BaselineInput, Decision, PreviousScan, RunContext, RunNotes
from secgate.config import Config, ScannerOptions
from secgate.coverage import judge_coverage
from secgate.errors import PluginError
from secgate.jobs import describe_exception, now
from secgate.models import Coverage, Finding, ScanResult, Verdict, VerdictStatus, summarize
from secgate.plugins import PluginHost

if TYPE_CHECKING:
    from secgate.vex import VexDocument


def judge(
    *,
    host: PluginHost,
    findings: list[Finding],
    results: list[ScanResult],
    root: Path,
    config: Config,
    stage: str | None,
    config_file: Path | None,
    options: Mapping[str, ScannerOptions],
    warnings: Sequence[str] = (),
    collection: Coverage | None = None,
    started_at: datetime | None = None,
    baseline: BaselineInput | None = None,
    previous: PreviousScan | None = None,
    new_since: str | None = None,
    shard: str | None = None,
    notes: RunNotes | None = None,
    vex: Sequence[VexDocument] = (),
) -> Verdict:
    """Adjust findings through the plugins, evaluate the policy, and build the verdict.

    *baseline*, *vex* (the VEX documents in force), *previous* (``--new-since``) and
    *notes* (what an earlier adjust step found, for a merged report) are the adjust step's
    input; the coverage policy is laid over the
    policy's decision last, so a plugin that replaces the policy keeps it.
    """
    from secgate.secrets.redact import redact_text  # noqa: PLC0415 - loads the secret rules

    run = RunContext(
        root=root,
        config=config,
        stage=stage,
        config_file=config_file,
        results=tuple(results),
        options=options,
        warnings=list(warnings),
        baseline=baseline,
        previous=previous,
        new_since=new_since or (previous.ref if previous is not None else None),
        shard=shard,
        vex=tuple(vex),
        notes=notes or RunNotes(),
    )
    adjusted = list(findings)
    try:
        host.adjust_findings(adjusted, run)
    except Exception as exc:  # noqa: BLE001 - re-raised as a one-line plugin error
        raise PluginError(
            f"a secgate_adjust_findings plugin failed: {describe_exception(exc)}"
        ) from None
    # Merging folds a double into its partner's ``related``: it is kept, not dropped.
    before = len(findings) + sum(len(f.related) for f in findings)
    after = sum(1 + len(f.related) for f in adjusted if isinstance(f, Finding))
    if after < before or not all(isinstance(f, Finding) for f in adjusted):
        raise PluginError(
            "a secgate_adjust_findings plugin removed or corrupted findings; "
            "plugins must mark findings suppressed, never drop them"
        )
    decision = host.evaluate(adjusted, results, run)
    if decision is None:
        raise PluginError("no plugin answered secgate_evaluate (is the 'policy' plugin disabled?)")
    judged = sorted(decision.findings, key=Finding.sort_key)
    status, reasons, decided_by = _with_coverage(decision, results, collection, config, options)
    return Verdict(
        tool_version=__version__,
        status=status,
        reasons=reasons,
        decided_by=decided_by,
        root=str(root),
        stage=stage,
        config_file=str(config_file) if config_file else None,
        policy=config.effective_dict(),
        scanners=tuple(results),
        findings=tuple(judged),
        collection=collection or Coverage(),
        warnings=tuple(redact_text(w) for w in (*run.warnings, *decision.warnings)),
        baseline=decision.baseline or run.notes.baseline,
        waivers=tuple(decision.waivers or run.notes.waivers),
        vex=tuple(run.notes.vex),
        new_since=run.new_since,
        shard=shard,
        summary=summarize(judged),
        started_at=started_at,
        finished_at=now(),
    )


def _with_coverage(
    decision: Decision,
    results: Sequence[ScanResult],
    collection: Coverage | None,
    config: Config,
    options: Mapping[str, ScannerOptions],
) -> tuple[VerdictStatus, tuple[str, ...], str]:
    """The policy's decision with the coverage policy laid over it (see secgate.coverage).

    Applied here, after the policy hook, so a plugin that replaces the policy keeps it.
    """
    coverage = judge_coverage(results, collection, config, options)
    reasons = list(decision.reasons)
    status, decided_by = decision.status, decision.decided_by
    if coverage.errors and status is not VerdictStatus.ERROR:
        status, decided_by = VerdictStatus.ERROR, coverage.decided_by or "min-coverage"
        reasons = [*coverage.errors, *reasons]
    else:
        reasons.extend(coverage.errors)
    reasons.extend(coverage.notes)
    return status, tuple(reasons), decided_by
