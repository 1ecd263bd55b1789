"""The ``secrets`` scanner: secgate's own secret detector as a plugin (entry point ``secrets``).

Options (``[tool.secgate.scanners.secrets]``)::

    rules = ["ci/extra-secrets.toml", ".gitleaks.toml"]   # secgate or gitleaks rule files
    disable = ["jwt"]                                      # rule ids not to run
    max-file-size = "10MB"                                 # larger files are skipped
    mode = "tree"              # "tree" (default) | "staged" | "history"
    history-range = "HEAD"     # revision range for mode = "history"
    fingerprint-key = "..."    # HMAC key for fingerprints (else $SECGATE_FINGERPRINT_KEY)

Modes: ``tree`` scans the collected files of the working tree. ``staged`` scans the staged
(index) content of the files added or changed in the index: what the next commit will hold
(``secgate check --staged``, for pre-commit). ``history`` scans every line added by the
commits of ``history-range`` (``secgate check --history [RANGE]``); each finding names the
commit and its author date in ``properties``.

Findings never hold a secret's value: the message names the rule, the snippet is the line
with each secret replaced by its redacted preview (``ghp_…(40 chars)``), ``properties``
holds the preview, and the fingerprint is a keyed hash of (rule, path, value) so baselines
match without storing it (:mod:`secgate.secrets.redact`).

Files it cannot look at are gaps with their kind named: ``unreadable``, ``vanished``,
``not-regular`` (a FIFO), ``symlink``, ``too-big``, ``binary`` (NUL bytes and no text name
or content: a ``.env`` or ``.sh`` with a NUL is still scanned) and ``encoding`` (a Python
file declaring a coding Python does not know; its bytes are still scanned). A Python file
whose declared coding spells text in other bytes (``utf-7``, ``unicode_escape``) is scanned
as Python decodes it too: such findings carry ``properties["decoded_from"]`` and the
decoded text's line and column.

Extra ``rules`` files inside the scanned tree are the repository's: a rule id of theirs
that reuses a bundled rule's id is an error (the scanner's status is ``error``), and what
their gitleaks ``[extend] disabledRules``, global allowlist (with ``useDefault``) or
``targetRules`` allowlists switch off in other rules is listed in the scan's
``weakenings`` (the report's policy summary). Files outside the tree (the pipeline
owner's, through ``--config``/``--policy``) may replace bundled rules.

The module also implements ``secgate_adjust_findings`` to merge bandit's hard-coded
password findings (B105, B106, B107) into the secret finding on the same line.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from secgate.config import ScannerOptions
from secgate.errors import ScannerError
from secgate.files import unreadable_reason
from secgate.models import Finding, GapKind, SkippedFile
from secgate.plugins import RuleInfo, Scanner, ScanOutput, hookimpl
from secgate.trust import PATH, trusted

if TYPE_CHECKING:
    from secgate.plugins import ScanContext
    from secgate.secrets.engine import Detector, FileResult, Hit
    from secgate.secrets.rules import RuleSet

NAME = "secrets"
CWE_HARD_CODED_CREDENTIALS = 798
BANDIT_PASSWORD_TESTS = frozenset({"B105", "B106", "B107"})
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {
    None: 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}


def parse_size(value: object) -> int:
    """Bytes from ``10485760``, ``"10MB"``, ``"512KiB"``…"""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 10485760 or '10MB'")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("a size must be positive")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            unit = match.group(2).lower() if match.group(2) else None
            size = int(float(match.group(1)) * _UNITS[unit])
            if size > 0:
                return size
    raise ValueError(f"expected a size such as 10485760 or '10MB', got {value!r}")


class SecretsOptions(ScannerOptions):
    """``[tool.secgate.scanners.secrets]``."""

    rules: tuple[str, ...] = Field(
        default=(),
        description="Extra rule files (secgate or gitleaks TOML), relative to the scanned root.",
        json_schema_extra=trusted(PATH),
    )
    disable: tuple[str, ...] = Field(default=(), description="Rule ids not to run.")
    bundled_rules: bool = Field(default=True, description="Use secgate's bundled rules.")
    max_file_size: int = Field(
        default=10 * 1024 * 1024,
        description="Files larger than this are skipped (bytes or '10MB').",
    )
    mode: Literal["tree", "staged", "history"] = Field(
        default="tree", description="What to scan: the working tree, the index, or git history."
    )
    history_range: str | None = Field(
        default=None, description="Revision range for mode = 'history' (default: HEAD)."
    )
    fingerprint_key: str | None = Field(
        default=None,
        description="HMAC key for fingerprints (default: $SECGATE_FINGERPRINT_KEY, else a "
        "public constant so baselines match everywhere).",
    )

    @field_validator("max_file_size", mode="before")
    @classmethod
    def _size(cls, value: object) -> int:
        return parse_size(value)


class SecretsScanner(Scanner):
    """Finds credentials: provider tokens, private keys, secrets assigned to secret names."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "secret detection: 90+ provider rules and generic rules, tree/staged/history modes"
    )
    Options: ClassVar[type[ScannerOptions]] = SecretsOptions
    per_file: ClassVar[bool] = True

    def version(self) -> str | None:
        """secgate's own version: the detector ships with it."""
        from secgate import __version__  # noqa: PLC0415

        return __version__

    @staticmethod
    def _options(options: ScannerOptions) -> SecretsOptions:
        if isinstance(options, SecretsOptions):
            return options
        return SecretsOptions.model_validate(options.model_dump())

    def load_rules(self, options: ScannerOptions, root: Path | None = None) -> RuleSet:
        """The rule set *options* select (bundled plus extra files, minus disabled).

        With *root* (the scanned root), rule files inside it are the repository's: they may
        add rules but not replace bundled ones, and what they switch off is a weakening.
        """
        from secgate.secrets.rules import load_rules  # noqa: PLC0415

        opts = self._options(options)
        base = root or Path.cwd()
        extra = [p if p.is_absolute() else base / p for p in map(Path, opts.rules)]
        return load_rules(extra, disabled=opts.disable, bundled=opts.bundled_rules, tree_root=root)

    def cacheable(self, options: ScannerOptions) -> bool:
        """Only tree scans: staged and history modes read git, not ``context.files``.

        (The result cache keeps a scan's ``weakenings``, so what a repository's rule files
        switch off is reported on a cached run too.)
        """
        return self._options(options).mode == "tree"

    def cache_token(self, options: ScannerOptions) -> str:
        """Version, regex engine, the hash of every rule file, and every option.

        Hashed as a whole so the fingerprint key (an option) is never stored in a cache.
        ``cache_token`` is not told the scanned root, so a relative extra rule file is read
        from the current folder (where ``secgate check`` normally runs, at the root); when
        it is not there, the token is unique and nothing is reused, never a stale hit. The
        staged and history modes read git, not the files a cache is keyed by: their token
        is unique per call too.
        """

        from secgate.secrets.regex import engine_name  # noqa: PLC0415

        opts = self._options(options)
        digest = hashlib.sha256()
        digest.update(f"{self.name}|{self.version()}|{engine_name()}|".encode())
        bundled = opts.model_copy(update={"rules": ()})
        digest.update(self.load_rules(bundled).digest.encode())
        for raw in opts.rules:
            path = Path(raw) if Path(raw).is_absolute() else Path.cwd() / raw
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(os.urandom(16))
        digest.update(opts.model_dump_json().encode())
        digest.update(os.environ.get("SECGATE_FINGERPRINT_KEY", "").encode())
        if opts.mode != "tree":
            digest.update(os.urandom(16))
        return f"{self.name}|{digest.hexdigest()}"

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """Every rule the options select."""
        return [
            RuleInfo(
                id=rule.id,
                scanner=self.name,
                severity=rule.severity,
                description=rule.description,
                cwe=(CWE_HARD_CODED_CREDENTIALS,),
            )
            for rule in self.load_rules(options).rules
        ]

    def scan(self, context: ScanContext) -> ScanOutput:
        """Scan the tree, the index or the history, as ``mode`` says."""
        from secgate.secrets.engine import Detector  # noqa: PLC0415
        from secgate.secrets.redact import fingerprint_key  # noqa: PLC0415

        opts = self._options(context.options)
        ruleset = self.load_rules(opts, context.root)
        detector = Detector(ruleset.rules, max_file_size=opts.max_file_size)
        builder = _FindingBuilder(fingerprint_key(opts.fingerprint_key))
        details: dict[str, str | int | float | bool | None] = {
            "rules": len(ruleset.rules),
            "mode": opts.mode,
            "regex_engine": detector.engine,
        }
        if opts.mode == "history":
            output = _scan_history(detector, builder, context, opts)
        elif opts.mode == "staged":
            output = _scan_staged(detector, builder, context)
        else:
            output = _scan_tree(detector, builder, context)
        output.details.update(details)
        if ruleset.notes:
            output.details["rule_notes"] = "; ".join(ruleset.notes)
        output.weakenings.extend(ruleset.weakenings)
        return output


# --------------------------------------------------------------------------- findings


class _FindingBuilder:
    """Turns detector hits into redacted findings."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def findings(
        self,
        hits: list[Hit],
        path: str,
        *,
        line_numbers: list[int] | None = None,
        extra: dict[str, str | int | float | bool | None] | None = None,
    ) -> Iterator[Finding]:
        from secgate.secrets.redact import fingerprint, preview, redact_line  # noqa: PLC0415
        from secgate.secrets.rules import shannon_entropy  # noqa: PLC0415

        # Each line's spans are computed once (sorted by start); a hit's snippet is made
        # from a window of its line around it, with the spans inside that window: cost
        # per hit independent of the line's length and of how many hits the line holds.
        by_line: dict[tuple[int, str | None], _LineSpans] = {}
        for hit in hits:
            key = (hit.line_offset, hit.decoded_from)
            if key not in by_line:
                by_line[key] = _LineSpans(hit.line_text)
            by_line[key].add(
                hit.start - hit.line_offset, hit.end - hit.line_offset, preview(hit.secret)
            )
        for hit in hits:
            snippet = by_line[(hit.line_offset, hit.decoded_from)].snippet(
                hit.start - hit.line_offset, hit.end - hit.line_offset, redact_line
            )
            shown = preview(hit.secret)
            line = hit.line
            end_line = hit.end_line
            if line_numbers is not None:
                line = line_numbers[min(hit.line, len(line_numbers)) - 1]
                end_line = line_numbers[min(hit.end_line, len(line_numbers)) - 1]
            properties: dict[str, str | int | float | bool | None] = {
                "redacted": shown,
                "secret_length": len(hit.secret.decode("utf-8", "replace")),
                "entropy": round(shannon_entropy(hit.secret), 2),
                "rule_kind": hit.rule.kind,
            }
            if hit.rule.source and "/rules/secrets/" not in hit.rule.source.replace("\\", "/"):
                properties["rule_file"] = Path(hit.rule.source).name
            if hit.decoded_from:
                # Found in the text Python decodes the file to: line and column are the
                # decoded text's (what Python runs and its tracebacks show).
                properties["decoded_from"] = hit.decoded_from
            properties.update(extra or {})
            yield Finding(
                scanner=NAME,
                rule_id=hit.rule.id,
                severity=hit.rule.severity,
                confidence=hit.confidence,
                message=f"{hit.rule.description} ({shown})",
                path=path,
                line=line,
                end_line=end_line if end_line != line else None,
                column=hit.column,
                cwe=(CWE_HARD_CODED_CREDENTIALS,),
                help_text=hit.rule.help
                or "Remove the secret, rotate it (it stays in the git history), and load it "
                "from the environment or a secret store.",
                fingerprint=fingerprint(self.key, hit.rule.id, path, hit.secret),
                snippet=snippet,
                properties=properties,
                suppressed_by=hit.allowed_by,
            )


#: How much of a long line a snippet is made from: bytes before and after the secret.
SNIPPET_BEFORE = 120
SNIPPET_AFTER = 240
#: The characters of the tokens :func:`secgate.secrets.redact.redact_line` looks at.
_TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.~-")


class _LineSpans:
    """The redacted spans of one line's hits, and each hit's snippet from a window of it."""

    def __init__(self, line: bytes) -> None:
        self.line = line
        self._spans: list[tuple[int, int, str]] = []
        self._ends: list[int] | None = None
        self._starts: list[int] = []

    def add(self, start: int, end: int, shown: str) -> None:
        self._spans.append((start, end, shown))
        self._ends = None

    def _index(self) -> list[int]:
        if self._ends is None:
            # One line's kept hits never overlap: sorted by start, their ends are sorted too.
            self._spans.sort()
            self._starts = [span[0] for span in self._spans]
            self._ends = [span[1] for span in self._spans]
        return self._ends

    def snippet(self, start: int, end: int, redact: Any) -> str:
        """The redacted text around the hit at ``[start, end)`` (offsets in the line)."""
        import bisect  # noqa: PLC0415 - only with findings

        from secgate.secrets.redact import ELLIPSIS  # noqa: PLC0415

        line = self.line
        ends = self._index()
        size = len(line)
        begin = max(0, start - SNIPPET_BEFORE)
        stop = min(size, max(end, start) + SNIPPET_AFTER)
        # Never start or stop inside a token: a cut token would show part of a value.
        if 0 < begin < size and line[begin - 1] in _TOKEN_BYTES:
            while begin < start and line[begin] in _TOKEN_BYTES:
                begin += 1
        if 0 < stop < size and line[stop] in _TOKEN_BYTES:
            while stop > end and line[stop - 1] in _TOKEN_BYTES:
                stop -= 1
        if begin == 0 and stop == size:
            return str(redact(line, self._spans))
        first = bisect.bisect_right(ends, begin)
        last = bisect.bisect_left(self._starts, stop)
        spans = [
            (max(s, begin) - begin, min(e, stop) - begin, shown)
            for s, e, shown in self._spans[first:last]
        ]
        text = str(redact(line[begin:stop], spans))
        if begin > 0 and not text.startswith(ELLIPSIS):
            text = ELLIPSIS + text
        if stop < size and not text.endswith(ELLIPSIS):
            text += ELLIPSIS
        return text


def _exclude_matcher(context: ScanContext) -> Any:
    """A gitignore-style matcher of the run's and this scanner's ``exclude`` globs."""
    from secgate.files import spec_of  # noqa: PLC0415

    return spec_of(
        [*context.config.exclude, *context.config.extend_exclude, *context.options.exclude]
    )


def _tick(context: ScanContext, done: int, total: int) -> None:
    if context.cancel.is_set():
        raise ScannerError("cancelled (timeout)")
    if context.progress is not None and (done % 200 == 0 or done == total):
        context.progress(done, total)


def _results(detector: Detector, context: ScanContext) -> Iterator[tuple[str, Any]]:
    """Scan each file in this process.

    One process on purpose: the engine already runs the scanners side by side, and worker
    processes started from a library call (``spawn``) re-import the caller's ``__main__``,
    which breaks scripts without a ``__main__`` guard; ``fork`` from the engine's threads
    is unsafe. One core does 50-100 MB/s.
    """
    from secgate.secrets.engine import FileResult  # noqa: PLC0415 - loaded with the detector

    total = len(context.files)
    root = str(context.root)
    for done, rel in enumerate(context.files, 1):
        _tick(context, done, total)
        path = f"{root}/{rel}"
        # The detector's plain open would hang on a FIFO: such a file, one that vanished
        # or one that cannot be read is listed as skipped with the reason instead.
        reason = unreadable_reason(path)
        if reason is not None:
            yield rel, FileResult(skipped=reason, kind=_unreadable_kind(path))
            continue
        yield rel, detector.scan_file(path, rel)


def _unreadable_kind(path: str) -> GapKind:
    """The kind of gap of a file :func:`secgate.files.unreadable_reason` refused."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return GapKind.VANISHED
    except OSError:
        return GapKind.UNREADABLE
    if stat.S_ISLNK(mode):
        return GapKind.SYMLINK
    if not stat.S_ISREG(mode):
        return GapKind.NOT_REGULAR
    return GapKind.UNREADABLE


def _skipped(path: str, result: FileResult) -> SkippedFile:
    """The gap of a file the detector did not (wholly) scan, with its kind named."""
    return SkippedFile(
        path=path, reason=result.skipped or "not scanned", kind=result.kind or GapKind.OTHER
    )


def _scan_tree(detector: Detector, builder: _FindingBuilder, context: ScanContext) -> ScanOutput:
    findings: list[Finding] = []
    skipped: list[SkippedFile] = []
    scanned = 0
    total_bytes = 0
    started = time.perf_counter()
    for rel, result in _results(detector, context):
        findings.extend(builder.findings(result.hits, rel))
        if result.skipped:
            skipped.append(_skipped(rel, result))
            continue
        scanned += 1
        total_bytes += result.size
    return ScanOutput(
        findings=findings,
        files_scanned=scanned,
        skipped=skipped,
        details={
            "bytes_scanned": total_bytes,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )


def _scan_staged(detector: Detector, builder: _FindingBuilder, context: ScanContext) -> ScanOutput:
    from secgate.secrets import git  # noqa: PLC0415

    git.require_repository(context.root, context.remaining)
    excluded = _exclude_matcher(context)
    paths = [
        p for p in git.staged_paths(context.root, context.remaining) if not excluded.match_file(p)
    ]
    findings: list[Finding] = []
    skipped: list[SkippedFile] = []
    scanned = 0
    for done, (rel, content) in enumerate(
        git.staged_blobs(context.root, paths, context.remaining, context.cancel), 1
    ):
        _tick(context, done, len(paths))
        if content is None:
            skipped.append(
                SkippedFile(
                    path=rel,
                    reason="no staged blob (submodule or unreadable)",
                    kind=GapKind.UNREADABLE,
                )
            )
            continue
        result = detector.scan_bytes(content, rel)
        findings.extend(builder.findings(result.hits, rel, extra={"source": "staged"}))
        if result.skipped:
            skipped.append(_skipped(rel, result))
            continue
        scanned += 1
    if context.cancel.is_set():
        raise ScannerError("cancelled (timeout)")
    return ScanOutput(findings=findings, files_scanned=scanned, skipped=skipped)


def _scan_history(
    detector: Detector, builder: _FindingBuilder, context: ScanContext, opts: SecretsOptions
) -> ScanOutput:
    from secgate.secrets import git  # noqa: PLC0415

    git.require_repository(context.root, context.remaining)
    excluded = _exclude_matcher(context)
    rev_range = opts.history_range or "HEAD"
    if opts.history_range is None and not git.has_commits(context.root, context.remaining):
        # A repository before its first commit has no history: nothing to scan, not an error.
        return ScanOutput(details={"commits": 0, "history_range": "HEAD (no commits yet)"})
    findings: list[Finding] = []
    skipped: list[SkippedFile] = []
    commits: set[str] = set()
    chunks = 0
    for addition in git.history_additions(
        context.root, rev_range, context.remaining, context.cancel, seen=commits
    ):
        if excluded.match_file(addition.path):
            continue
        chunks += 1
        data = b"\n".join(text for _, text in addition.lines)
        result = detector.scan_bytes(data, addition.path)
        if result.skipped:
            skipped.append(_skipped(f"{addition.path}@{addition.commit[:12]}", result))
        findings.extend(
            builder.findings(
                result.hits,
                addition.path,
                line_numbers=[number for number, _ in addition.lines],
                extra={"commit": addition.commit, "author_date": addition.author_date},
            )
        )
    if context.cancel.is_set():
        raise ScannerError("cancelled (timeout)")
    return ScanOutput(
        findings=findings,
        files_scanned=chunks,
        skipped=skipped,
        details={"commits": len(commits), "history_range": rev_range},
    )


# --------------------------------------------------------------------------- plugin hooks


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """Register the secrets scanner."""
    return [SecretsScanner]


def _bandit_duplicates(findings: list[Finding]) -> Iterable[tuple[int, int]]:
    """(bandit index, secrets index) pairs flagging the same path and line."""
    secrets_at: dict[tuple[str, int], int] = {}
    for index, finding in enumerate(findings):
        if finding.scanner == NAME and finding.line is not None:
            secrets_at.setdefault((finding.path, finding.line), index)
    for index, finding in enumerate(findings):
        if (
            finding.scanner == "bandit"
            and finding.rule_id in BANDIT_PASSWORD_TESTS
            and finding.line is not None
            and (finding.path, finding.line) in secrets_at
        ):
            yield index, secrets_at[(finding.path, finding.line)]


@hookimpl
def secgate_adjust_findings(findings: list[Finding]) -> None:
    """Show one finding where bandit's hard-coded password tests and the detector agree.

    The bandit finding (B105/B106/B107 on the same path and line as a secrets finding) is
    marked ``suppressed_by="duplicate"`` with ``properties["duplicate_of"]`` naming the
    secrets finding (rule id and fingerprint); the secrets finding lists the bandit rules
    in ``properties["duplicates"]``. bandit prints the password in its message and the
    line in its snippet, so the duplicate's message and snippet are replaced by the
    secret finding's redacted ones. Running again on adjusted findings changes nothing.
    """
    merged: dict[int, list[str]] = {}
    for bandit_index, secrets_index in list(_bandit_duplicates(findings)):
        original = findings[secrets_index]
        bandit = findings[bandit_index]
        properties = dict(bandit.properties)
        properties["duplicate_of"] = f"{NAME}:{original.rule_id}:{original.fingerprint}"
        findings[bandit_index] = bandit.model_copy(
            update={
                "suppressed_by": "duplicate",
                "decided_by": f"duplicate of {NAME} {original.rule_id}",
                "properties": properties,
                "message": f"{bandit.rule_id}: hard-coded password, reported by the secrets "
                f"scanner as {original.rule_id}",
                "snippet": original.snippet,
            }
        )
        merged.setdefault(secrets_index, []).append(bandit.rule_id)
    for secrets_index, rule_ids in merged.items():
        finding = findings[secrets_index]
        listed = str(finding.properties.get("duplicates") or "")
        names = sorted({*filter(None, listed.split(",")), *(f"bandit:{r}" for r in rule_ids)})
        properties = dict(finding.properties)
        properties["duplicates"] = ",".join(names)
        findings[secrets_index] = finding.model_copy(update={"properties": properties})
