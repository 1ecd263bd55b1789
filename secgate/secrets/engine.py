"""The detector's public names (moving into modules of one job each; see linescan)."""

from secgate.secrets.linescan import (
    ALLOW_MARKERS,
    BINARY_PROBE,
    DEFAULT_MAX_FILE_SIZE,
    NEXTLINE_MARKER,
    PYTHON_SUFFIXES,
    Detector,
    FileResult,
    Hit,
    PathContext,
    SourceView,
    base62_crc32,
    is_placeholder,
    mostly_text,
    python_source_view,
    text_by_name,
    validate,
)

__all__ = [
    "ALLOW_MARKERS",
    "BINARY_PROBE",
    "DEFAULT_MAX_FILE_SIZE",
    "NEXTLINE_MARKER",
    "PYTHON_SUFFIXES",
    "Detector",
    "FileResult",
    "Hit",
    "PathContext",
    "SourceView",
    "base62_crc32",
    "is_placeholder",
    "mostly_text",
    "python_source_view",
    "text_by_name",
    "validate",
]
