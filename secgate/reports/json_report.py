"""The JSON report: the verdict as data, versioned by ``schema_version``.

Its JSON Schema is generated from :class:`secgate.models.Verdict` and committed as
``secgate/schema/report.schema.json``; ``python -m secgate.reports.json_report`` regenerates it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, ClassVar

from secgate.models import Verdict
from secgate.plugins import Reporter

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "report.schema.json"


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report, generated from the models."""
    schema = Verdict.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://secgate.dev/schema/report-1.json"
    schema["title"] = "secgate report"
    return schema


def render_schema() -> str:
    """The schema as committed: sorted keys, two-space indent, final newline."""
    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"


class JsonReporter(Reporter):
    """Machine-readable report; ``secgate evaluate`` reads it back."""

    name: ClassVar[str] = "json"
    description: ClassVar[str] = "the whole verdict as JSON (schema_version 1)"
    extension: ClassVar[str] = ".json"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """Serialise the verdict."""
        return verdict.model_dump_json(indent=2) + "\n"


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")
