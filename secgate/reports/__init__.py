"""Built-in report formats (entry point ``reports``): text, json, sarif, junit and markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.plugins import hookimpl

if TYPE_CHECKING:
    from secgate.plugins import Reporter


@hookimpl
def secgate_register_reporters() -> list[type[Reporter]]:
    """Register the built-in formats."""
    from secgate.reports.codequality import CodeQualityReporter  # noqa: PLC0415
    from secgate.reports.cyclonedx import CycloneDxReporter  # noqa: PLC0415
    from secgate.reports.gitlab import (  # noqa: PLC0415
        GitlabDependencyScanningReporter,
        GitlabSastReporter,
        GitlabSecretDetectionReporter,
    )
    from secgate.reports.html import HtmlReporter  # noqa: PLC0415
    from secgate.reports.json_report import JsonReporter  # noqa: PLC0415
    from secgate.reports.junit import JunitReporter  # noqa: PLC0415
    from secgate.reports.markdown import MarkdownReporter  # noqa: PLC0415
    from secgate.reports.sarif import SarifReporter  # noqa: PLC0415
    from secgate.reports.text import TextReporter  # noqa: PLC0415

    return [
        TextReporter,
        JsonReporter,
        SarifReporter,
        JunitReporter,
        MarkdownReporter,
        HtmlReporter,
        GitlabSastReporter,
        GitlabSecretDetectionReporter,
        GitlabDependencyScanningReporter,
        CodeQualityReporter,
        CycloneDxReporter,
    ]
