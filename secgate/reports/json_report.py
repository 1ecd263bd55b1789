"""The JSON report: the verdict as data, versioned by ``schema_version``.

The decision is the ``verdict`` key (``pass``/``fail``/``error``). Schema 1.1 added it; the
1.0 key ``status`` is still written, with the same value, as a deprecated alias for one
release, and :func:`load_report` reads reports of both (a reader of another major refuses).

Its JSON Schema is generated from :class:`secgate.models.Verdict` and committed as
``secgate/schema/report.schema.json``; ``python -m secgate.reports.json_report`` regenerates it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, ClassVar

from secgate.api import Reporter
from secgate.errors import ReportError
from secgate.models import SCHEMA_VERSION, Verdict

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
    description: ClassVar[str] = f"the whole verdict as JSON (schema_version {SCHEMA_VERSION})"
    extension: ClassVar[str] = ".json"

    def render(self, verdict: Verdict, *, color: bool = False) -> str:
        """Serialise the verdict, its ``verdict`` key beside the deprecated ``status``."""
        data = verdict.model_dump(mode="json")
        data["schema_version"] = SCHEMA_VERSION  # written in this format, whatever was read
        first = ("schema_version", "tool", "tool_version", "verdict")
        ordered = {key: data[key] for key in first} | {
            key: value for key, value in data.items() if key not in first
        }
        return indented_json(ordered)


def indented_json(data: Any) -> str:
    """*data* as two-space-indented JSON with a final newline, non-ASCII kept as is.

    pydantic-core's encoder writes the same text as ``json.dumps(indent=2,
    ensure_ascii=False)`` several times faster (the standard library's C encoder does not
    indent); on the one thing it refuses, a lone surrogate from an undecodable file name,
    the standard library's encoder writes it and the report writer handles it as before.
    """
    import pydantic_core  # noqa: PLC0415 - pydantic's own dependency, loaded with the models

    try:
        return pydantic_core.to_json(data, indent=2).decode("utf-8") + "\n"
    except pydantic_core.PydanticSerializationError:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load_report(path: Path) -> Verdict:
    """Read a JSON report written by ``secgate check --format json``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot read report: {exc.strerror or exc}") from None
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("tool") != "secgate":
        raise ReportError(f'{path}: not a secgate JSON report (no "tool": "secgate")')
    major = str(data.get("schema_version", "")).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:  # 1.0 (status only) and 1.1 (verdict) both read
        raise ReportError(
            f"{path}: report schema_version {data.get('schema_version')!r} "
            "is not supported (this secgate reads 1.x)"
        )
    try:
        return Verdict.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise ReportError(f"{path}: invalid report at {loc}: {first.get('msg')}") from None


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")
