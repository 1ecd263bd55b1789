"""Built-in report formats (entry point ``reports``): text, json and sarif."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.plugins import hookimpl

if TYPE_CHECKING:
    from secgate.plugins import Reporter


@hookimpl
def secgate_register_reporters() -> list[type[Reporter]]:
    """Register the built-in formats."""
    from secgate.reports.json_report import JsonReporter  # noqa: PLC0415
    from secgate.reports.sarif import SarifReporter  # noqa: PLC0415
    from secgate.reports.text import TextReporter  # noqa: PLC0415

    return [TextReporter, JsonReporter, SarifReporter]
