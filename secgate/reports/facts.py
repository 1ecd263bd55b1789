"""Facts several reports state the same way (where the vulnerability data came from)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.models import ScanStatus

if TYPE_CHECKING:
    from secgate.models import Finding, ScanResult, Verdict


def plural(count: int, word: str) -> str:
    """``1 finding``, ``2 findings``: how every report counts things."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def vulnerability_data(result: ScanResult) -> str | None:
    """One line naming the vulnerability data a dependency scanner used, or None.

    A verdict on dependencies is only as good as the database behind it: a report names
    it, with its record count and age, so a reader sees a stale or a dummy one.
    """
    details = result.details
    source = details.get("vuln_source")
    if result.status is ScanStatus.SKIPPED or not source:
        return None
    if source != "osv-db":
        return f"{result.name}: vulnerability data from {source}'s online service"
    parts = []
    records = details.get("db_records")
    if isinstance(records, int):
        parts.append(f"{records:,} record{'s' if records != 1 else ''}")
    exported = details.get("db_export_date")
    if exported:
        parts.append(f"exported {str(exported)[:10]}")
    age = details.get("db_age_days")
    if isinstance(age, int | float):
        parts.append(f"{age:g} days old")
    facts = f" ({', '.join(parts)})" if parts else ""
    return f"{result.name}: offline OSV database {details.get('db_source')}{facts}"


def vulnerability_data_lines(verdict: Verdict) -> list[str]:
    """:func:`vulnerability_data` for every scanner of *verdict* that has one."""
    return [line for r in verdict.scanners if (line := vulnerability_data(r)) is not None]


def vex_reason(finding: Finding) -> str | None:
    """What a VEX statement says about *finding*, on one line; None when none spoke.

    ``not_affected (vulnerable_code_not_in_execute_path): <impact statement> [VEX
    security/openvex.json #0]``: the status, the justification, the impact statement (or
    an affected statement's action) and where it is written. Every report that shows why
    a finding does not block shows this beside it. The text comes from a VEX document,
    possibly the scanned tree's: reports escape it like any tree text.
    """
    props = finding.properties
    status = props.get("vex.status")
    if not status:
        return None
    text = str(status)
    if props.get("vex.justification"):
        text += f" ({props['vex.justification']})"
    if props.get("vex.impact_statement"):
        text += f": {props['vex.impact_statement']}"
    if props.get("vex.action_statement"):
        text += f"; action: {props['vex.action_statement']}"
    return f"{' '.join(text.split())} [VEX {props.get('vex.file')} #{props.get('vex.statement')}]"
