"""A secgate scanner plugin: flags open ``TODO(security)`` / ``FIXME(security)`` comments.

A security question left as a comment is a finding the team has already written down and
not yet answered; this scanner turns each one into a finding so that the gate sees it::

    password_hash = md5(raw)  # TODO(security): move to argon2 before launch

It uses only secgate's public plugin API (``import secgate``), registers through the
``secgate`` entry-point group (see ``pyproject.toml``) and is configured, like every
scanner, from ``[tool.secgate.scanners.security-todo]``::

    [tool.secgate.scanners.security-todo]
    markers = ["TODO(security)", "FIXME(security)", "XXX(sec)"]
    severity = "high"

A line that also says ``secgate: ignore`` is reported as suppressed inline (it never blocks).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import ClassVar

import secgate
from pydantic import Field
from secgate import (
    Finding,
    GapKind,
    RuleInfo,
    ScanContext,
    Scanner,
    ScannerError,
    ScannerOptions,
    ScanOutput,
    Severity,
    SkippedFile,
    hookimpl,
)

#: The plugin API major version this plugin is written against.
API_MAJOR = "1"

if secgate.SECGATE_API_VERSION.split(".")[0] != API_MAJOR:  # pragma: no cover
    # secgate turns an import error into one clear line naming this plugin.
    raise ImportError(
        f"secgate-example-scanner needs secgate's plugin API {API_MAJOR}.x; "
        f"this secgate has {secgate.SECGATE_API_VERSION}"
    )

NAME = "security-todo"
RULE_ID = "SECTODO001"
#: Comment leaders of the languages handled (a marker counts only inside a comment).
COMMENT_LEADERS = ("#", "//", "/*", "<!--", "--")
#: What :meth:`SecurityTodoScanner.handles`: source, script and config files. It never
#: depends on the options (the result cache asks without them).
SUFFIXES = (
    ".py",
    ".pyi",
    ".js",
    ".ts",
    ".go",
    ".java",
    ".rb",
    ".rs",
    ".c",
    ".h",
    ".sh",
    ".sql",
    ".yml",
    ".yaml",
    ".toml",
)
INLINE_IGNORE = "secgate: ignore"


class SecurityTodoOptions(ScannerOptions):
    """``[tool.secgate.scanners.security-todo]``: what to look for and how bad it is."""

    markers: tuple[str, ...] = Field(
        default=("TODO(security)", "FIXME(security)"),
        min_length=1,
        description="Comment markers that open a security question (case-sensitive).",
    )
    severity: Severity = Field(default=Severity.MEDIUM, description="Severity of each finding.")


class SecurityTodoScanner(Scanner):
    """Flags comments holding one of the configured markers."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = "open TODO(security) / FIXME(security) comments"
    Options: ClassVar[type[ScannerOptions]] = SecurityTodoOptions
    #: A file's findings depend on that file and the options only: results are cached per
    #: file and the scanner runs on every shard (secgate.testing.check_contract checks it).
    per_file: ClassVar[bool] = True

    def version(self) -> str | None:
        """This distribution's version: the default cache token includes it."""
        try:
            return version("secgate-example-scanner")
        except PackageNotFoundError:
            return None

    def handles(self, path: str) -> bool:
        """Source, script and config files, by suffix."""
        return path.endswith(SUFFIXES)

    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """The one rule, as ``secgate rules`` lists it."""
        assert isinstance(options, SecurityTodoOptions)  # noqa: S101 - validated by secgate
        return [
            RuleInfo(
                id=RULE_ID,
                scanner=self.name,
                severity=options.severity,
                description="open security question in a comment: " + ", ".join(options.markers),
                cwe=(546,),  # CWE-546: Suspicious Comment
            )
        ]

    def scan(self, context: ScanContext) -> ScanOutput:
        """Read each handled file; a file that cannot be read or decoded is a gap."""
        options = context.options
        assert isinstance(options, SecurityTodoOptions)  # noqa: S101 - validated by secgate
        files = [rel for rel in context.files if self.handles(rel)]
        findings: list[Finding] = []
        gaps: list[SkippedFile] = []
        for done, rel in enumerate(files, start=1):
            if context.cancel.is_set():
                raise ScannerError("cancelled: the run's timeout was reached")
            text = _read(context, rel)
            if isinstance(text, SkippedFile):
                gaps.append(text)
            else:
                findings.extend(self._findings(rel, text, options))
            if context.progress is not None:
                context.progress(done, len(files))
        return ScanOutput(findings=findings, files_scanned=len(files) - len(gaps), skipped=gaps)

    def _findings(self, rel: str, text: str, options: SecurityTodoOptions) -> list[Finding]:
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            for marker in options.markers:
                column = line.find(marker)
                if column < 0 or not _in_comment(line[:column]):
                    continue
                note = line[column + len(marker) :].lstrip(" :-").strip()
                found.append(
                    Finding(
                        scanner=self.name,
                        rule_id=RULE_ID,
                        severity=options.severity,
                        message=f"open security question: {note[:120] or marker}",
                        path=rel,
                        line=number,
                        column=column + 1,
                        cwe=(546,),
                        snippet=line.strip()[:200],
                        help_text="Answer the question (fix it, or record why it is safe) "
                        "and remove the marker.",
                        suppressed_by="inline" if INLINE_IGNORE in line else None,
                    )
                )
                break  # one finding per line
        return found


def _read(context: ScanContext, rel: str) -> str | SkippedFile:
    """The file's text, or the gap that says why there is none."""
    try:
        return context.path(rel).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return SkippedFile(path=rel, reason="vanished during the scan", kind=GapKind.VANISHED)
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
        return SkippedFile(path=rel, reason=reason, kind=GapKind.UNREADABLE)
    except UnicodeDecodeError:
        return SkippedFile(path=rel, reason="not UTF-8 text", kind=GapKind.ENCODING)


def _in_comment(before: str) -> bool:
    """Whether the text before a marker opens a comment (``#``, ``//``, `` * ``…)."""
    return any(leader in before for leader in COMMENT_LEADERS) or before.strip() == "*"


@hookimpl
def secgate_register_scanners() -> list[type[Scanner]]:
    """The scanners this plugin provides."""
    return [SecurityTodoScanner]
