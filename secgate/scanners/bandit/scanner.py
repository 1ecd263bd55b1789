"""The ``BanditScanner`` class: availability, cache tokens, rules, and one scan's result.

A scan reads the options, checks bandit's settings (:class:`~.worker.Plan`), runs bandit
(:func:`~.worker.scan_files`) and merges what the workers returned into one
:class:`~secgate.plugins.ScanOutput`: findings, the files scanned and the ones bandit could
not look at (each with a reason and a gap kind), and bandit's own errors.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any, ClassVar

from secgate.config import ScannerOptions
from secgate.deadcode import DEAD_LINES, DEAD_LINES_VERSION
from secgate.errors import ScannerError
from secgate.models import Finding, GapKind, SkippedFile
from secgate.plugins import (
    Availability,
    RuleInfo,
    ScanContext,
    Scanner,
    ScanOutput,
    package_version,
)
from secgate.process import contained_warnings
from secgate.scanners.bandit.config import PYPROJECT, tool_bandit_table
from secgate.scanners.bandit.findings import NOSEC, to_finding
from secgate.scanners.bandit.options import INSTALL_HINT, NAME, BanditOptions
from secgate.scanners.bandit.worker import Plan, import_bandit, scan_files

__all__ = ["BanditScanner"]


def _plugin_title(ext: Any) -> str:
    """A bandit plugin's one-line title (``B101: Test for use of assert`` in its docs)."""
    module = sys.modules.get(ext.plugin.__module__)
    for doc in (ext.plugin.__doc__, getattr(module, "__doc__", None)):
        match = re.search(r"B\d{3}:\s*(.+)", doc or "")
        if match:
            return match.group(1).strip("* ")
    return str(ext.name).replace("_", " ")


def _cwe_names(tree: ast.AST) -> set[str]:
    """The ``Cwe.<NAME>`` constants an AST refers to (``issue.Cwe.X`` or ``Cwe.X``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if (isinstance(owner, ast.Attribute) and owner.attr == "Cwe") or (
                isinstance(owner, ast.Name) and owner.id == "Cwe"
            ):
                names.add(node.attr)
    return names


def plugin_cwes(function: Any) -> tuple[int, ...]:
    """The CWE ids a bandit test function reports, read from its source, not run.

    bandit keeps no table of them: each test builds its ``Issue(cwe=issue.Cwe.X, ...)``
    itself, in the test function or in a helper of the same module it calls (followed
    through module-level functions). The source is parsed, nothing is executed; a test
    whose source cannot be read gives ``()``.
    """
    module = sys.modules.get(getattr(function, "__module__", ""))
    cwe_class = getattr(sys.modules.get("bandit.core.issue"), "Cwe", None)
    if module is None or cwe_class is None:
        return ()
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError, ValueError):
        return ()
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    start = functions.get(getattr(function, "__name__", ""))
    if start is None:
        return ()
    names: set[str] = set()
    seen: set[str] = set()
    todo = [start]
    while todo:
        node = todo.pop()
        if node.name in seen:
            continue
        seen.add(node.name)
        names |= _cwe_names(node)
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                helper = functions.get(call.func.id)
                if helper is not None:
                    todo.append(helper)
    ids = {getattr(cwe_class, name, None) for name in names}
    return tuple(sorted(n for n in ids if isinstance(n, int) and n > 0))


class BanditScanner(Scanner):
    """Bandit's AST tests on the Python files, spread over worker processes."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = "bandit: security linter for Python code (in-process, parallel)"
    Options: ClassVar[type[ScannerOptions]] = BanditOptions
    per_file: ClassVar[bool] = True

    def version(self) -> str | None:
        """bandit's installed version, from package metadata."""
        return package_version("bandit")

    def availability(self) -> Availability:
        """Whether bandit can be imported (checked without importing it)."""
        try:
            found = importlib.util.find_spec("bandit") is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return Availability(ok=False, reason="bandit is not installed", hint=INSTALL_HINT)
        return Availability(ok=True)

    def handles(self, path: str) -> bool:
        """Python files as bandit's default include globs take them (``*.py``, ``*.pyw``).

        Every one of them in secgate's file list is scanned: ``[tool.bandit]`` include
        globs and ``exclude_dirs`` are not applied (they are listed as weakenings).
        """
        return path.endswith((".py", ".pyw"))

    def cache_token(self, options: ScannerOptions) -> str:
        """bandit's version, the Python version, bandit's plugins and the options."""
        plugins = sorted(
            f"{ep.group}:{ep.name}={ep.value}@{ep.dist.version if ep.dist else '?'}"
            for group in ("bandit.plugins", "bandit.blacklists")
            for ep in importlib.metadata.entry_points(group=group)
        )
        python = ".".join(str(n) for n in sys.version_info[:2])
        return "|".join(
            [
                NAME,
                str(self.version()),
                python,
                ",".join(plugins),
                options.model_dump_json(),
                DEAD_LINES_VERSION,
            ]
        )

    def tree_token(self, root: Path) -> str:
        """A hash of the root's ``[tool.bandit]`` table ("" when it has none)."""
        table = tool_bandit_table(root / PYPROJECT)
        if table is None:
            return ""
        text = json.dumps(table, sort_keys=True, default=str)
        return "tool.bandit:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    @contained_warnings()
    def rules(self, options: ScannerOptions) -> list[RuleInfo]:
        """Bandit's tests that *options* select (severity varies per finding: None)."""
        opts = options if isinstance(options, BanditOptions) else BanditOptions()
        import_bandit()
        from bandit.core import extension_loader, test_set  # noqa: PLC0415

        extman = extension_loader.MANAGER
        selected = test_set.BanditTestSet._get_filter(
            None, {"include": set(opts.tests), "exclude": set(opts.skips)}
        )
        found: list[RuleInfo] = []
        for test_id, ext in extman.plugins_by_id.items():
            if test_id not in selected:
                continue
            found.append(
                RuleInfo(
                    id=test_id,
                    scanner=NAME,
                    severity=None,
                    description=_plugin_title(ext),
                    cwe=plugin_cwes(ext.plugin),
                )
            )
        for test_id, entry in extman.blacklist_by_id.items():
            if test_id not in selected:
                continue
            cwe = int(entry.get("cwe") or 0)
            found.append(
                RuleInfo(
                    id=test_id,
                    scanner=NAME,
                    severity=None,
                    description=f"{entry['name']}: {entry['message']}",
                    cwe=(cwe,) if cwe else (),
                )
            )
        return sorted(found, key=lambda r: r.id)

    def scan(self, context: ScanContext) -> ScanOutput:
        """Scan the Python files of *context* with bandit; see :mod:`secgate.scanners.bandit`."""
        options = context.options
        if not isinstance(options, BanditOptions):
            options = BanditOptions.model_validate(options.model_dump())
        try:
            plan = Plan(self, context, options)
        except ScannerError:
            raise
        except ImportError as exc:
            raise ScannerError(f"bandit cannot be imported ({exc}); {INSTALL_HINT}") from None
        except Exception as exc:  # noqa: BLE001 - bandit failing on its settings: one line
            raise ScannerError(
                f"bandit crashed while loading its settings: {type(exc).__name__}: {exc}"
            ) from None
        parts, workers = scan_files(context, plan)
        return self._output(context, plan, parts, workers)

    def _output(
        self, context: ScanContext, plan: Plan, parts: list[dict[str, Any]], workers: int
    ) -> ScanOutput:
        findings: list[Finding] = []
        scanned: set[str] = set()
        skipped: dict[str, tuple[str, GapKind]] = {}
        errors: list[str] = []
        for part in parts:
            findings.extend(to_finding(item) for item in part["findings"])
            scanned.update(part["scanned"])
            for rel, reason, kind in part["skipped"]:
                skipped[rel] = (reason, GapKind(kind))
            errors.extend(part["errors"])
        for rel in plan.files:
            if rel not in scanned and rel not in skipped:
                skipped[rel] = (
                    "bandit neither scanned nor skipped it (lost by a worker)",
                    GapKind.OTHER,
                )
        error = None
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            error = (
                f"{errors[0]}{more}: the scan is incomplete; the findings bandit did make are "
                "reported (a test that keeps failing can be skipped with scanners.bandit.skips)"
            )
        return ScanOutput(
            findings=findings,
            files_scanned=len(scanned),
            skipped=[
                SkippedFile(path=path, reason=reason, kind=kind)
                for path, (reason, kind) in sorted(skipped.items())
            ],
            details={
                "config": plan.config_label,
                "workers": workers,
                "python-files": len(plan.files),
                "nosec-suppressed": sum(1 for f in findings if f.suppressed_by == NOSEC),
                DEAD_LINES: "checked",
            },
            version=package_version("bandit"),
            error=error,
            weakenings=list(plan.weakenings),
        )
