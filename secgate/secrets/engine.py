"""The detector: finds secrets in one file's bytes, fast, without ever crashing on the input.

How a file is scanned:

1. Its size is checked before it is read (default limit 10 MB); it is read once, as bytes.
   A file with NUL bytes in its first 8 KiB is decoded to UTF-8 first when it starts with
   a UTF-16/UTF-32 byte-order mark; else it is still scanned, each NUL read as a space (a
   separator), when its name says it is text (``.env*``, ``*.sh``, ``*.py``, ``Dockerfile``
   …, :func:`text_by_name`: bash, python-dotenv and Python load such files) or its content
   is mostly text (:func:`mostly_text`); only what is neither is binary and skipped. Any
   other encoding, invalid UTF-8 included, is scanned as bytes: tokens are ASCII, and
   nothing is decoded until a line is shown (with replacement characters). A Python file
   is also decoded by its declared source coding when that can spell text in other bytes
   (``utf-7``, ``unicode_escape``…, :func:`python_source_view`), and the decoded text is
   scanned too (its hits report the decoded text's lines); an unknown declared coding is
   an ``encoding`` gap.
2. **Keyword pre-filter**: every rule's keywords are combined into one alternation, run
   once over the lower-cased file (one DFA pass with RE2). Only lines holding a keyword are
   candidates, and on each only the rules owning the keywords found are tried.
3. Each match's secret is checked: the rule's minimum entropy, its allowlist, the
   placeholder filter (documented example keys, ``xxxx``, ``<your-token>``, ``${VAR}``,
   ``changeme``, obvious test values, sequences), a structural validator where the provider
   has one (GitHub's CRC32 checksum, a JWT's JSON header). Generic rules (secret-looking
   name = value) also get the context filters: hex digests and commit SHAs, UUIDs, SRI and
   lock-file integrity hashes, data URIs, field names, and stricter limits in tests and
   documentation; they never run on locale or lock files.
4. Overlapping hits keep one (the most specific rule); an inline ``secgate: allow``,
   ``pragma: allowlist secret`` or ``gitleaks:allow`` marks a hit as allowed (reported,
   not dropped).

With RE2 (the default engine), time is linear in the length of the input, however many
hits one line holds (a minified
file with thousands of keys on a line): every line-wide check is made once per line, the
choice among overlapping hits works on clusters of overlapping hits, columns are counted
incrementally, and a multi-line rule (a private key block) searches forward from where its
last search ended, to the end of the text, with no fixed look-ahead deciding a match.

The detector returns :class:`Hit` objects holding the secret's bytes, for the caller to
fingerprint and redact: nothing in this module logs or raises with a secret in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secgate.secrets.checks import (
    ALLOW_MARKERS,
    DOCS_PATHS,
    LOCALE_PATHS,
    LOCK_NAMES,
    NEXTLINE_MARKER,
    TESTS_PATHS,
    PathContext,
    base62_crc32,
    is_placeholder,
    validate,
)
from secgate.secrets.compiled import Hit, compile_rule
from secgate.secrets.linescan import LineScanner
from secgate.secrets.regex import PathMatcher, engine_name
from secgate.secrets.rulemodel import Rule
from secgate.secrets.textfile import (
    BINARY_PROBE,
    DEFAULT_MAX_FILE_SIZE,
    PYTHON_SUFFIXES,
    FileResult,
    SourceView,
    add_source_view,
    mostly_text,
    python_source_view,
    read_file,
    text_by_name,
    text_bytes,
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


class Detector:
    """Runs a rule set over files or bytes. Build once, use for many files (thread-safe)."""

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        engine: str | None = None,
    ) -> None:
        self.engine = engine_name(engine)
        self.max_file_size = max_file_size
        self.rules = tuple(rules)
        self._compiled = [compile_rule(rule, i, self.engine) for i, rule in enumerate(rules)]
        self._lines = LineScanner(self._compiled, self.engine)
        self._classes: dict[tuple[frozenset[int], bool], tuple[PathContext, frozenset[int]]] = {}
        self._allowed_sets: dict[frozenset[int], frozenset[int]] = {}
        # Every path pattern (rule filters, allowlisted paths, the context classes) goes into
        # one matcher, so classifying a file is one call however many rules filter paths.
        patterns: list[str] = [LOCALE_PATHS.pattern, DOCS_PATHS.pattern, TESTS_PATHS.pattern]
        self._unfiltered: frozenset[int] = frozenset(
            c.order for c in self._compiled if not c.rule.paths
        )
        self._path_rules: dict[int, set[int]] = {}
        self._allow_path_rules: dict[int, set[int]] = {}
        for item in self._compiled:
            for source in item.rule.paths:
                patterns.append(source)
                self._path_rules.setdefault(len(patterns) - 1, set()).add(item.order)
            for allow in item.rule.allowlists:
                for source in allow.paths:
                    patterns.append(source)
                    self._allow_path_rules.setdefault(len(patterns) - 1, set()).add(item.order)
        self._paths = PathMatcher(patterns, self.engine)
        self._generic = frozenset(c.order for c in self._compiled if c.rule.kind == "generic")

    # ------------------------------------------------------------------ entry points

    def scan_file(self, path: Path | str, rel: str) -> FileResult:
        """Scan the file at *path* (reported as *rel*); never raises for bad content."""
        data = read_file(path, self.max_file_size)
        if isinstance(data, FileResult):
            return data
        return self.scan_bytes(data, rel)

    def scan_bytes(self, data: bytes, rel: str) -> FileResult:
        """Scan *data*, the content of the file *rel*."""
        prepared = text_bytes(data, rel, self.max_file_size)
        if isinstance(prepared, FileResult):
            return prepared
        data = prepared
        result = FileResult(size=len(data))
        context, allowed = self._classify(rel)
        if not allowed:
            return result
        scan = self._lines.scan
        result.hits = scan(data, context, allowed)
        if rel.endswith(PYTHON_SUFFIXES):
            add_source_view(result, data, lambda text: scan(text, context, allowed))
        return result

    # ------------------------------------------------------------------ internals

    def _classify(self, rel: str) -> tuple[PathContext, frozenset[int]]:
        """What the path says (tests, docs…) and which rules run on the file."""
        matched = self._paths.matches(rel)
        lockfile = rel.rsplit("/", 1)[-1].lower() in LOCK_NAMES
        cached = self._classes.get((matched, lockfile))
        if cached is not None:
            return cached
        context = PathContext(
            lockfile=lockfile,
            locale=0 in matched,
            docs=1 in matched,
            tests=2 in matched,
        )
        out = set(self._unfiltered)
        for index in matched:
            out.update(self._path_rules.get(index, ()))
        for index in matched:
            out.difference_update(self._allow_path_rules.get(index, ()))
        if context.lockfile or context.locale:
            out -= self._generic
        # One frozenset per class of file, so the pre-filter cache below hashes it once.
        allowed = self._allowed_sets.setdefault(frozenset(out), frozenset(out))
        self._classes[(matched, lockfile)] = (context, allowed)
        return context, allowed
