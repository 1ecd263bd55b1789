"""Every hook secgate calls: the reference manual for plugin authors.

A plugin is any module or object with functions named like the hooks below, decorated with
:data:`secgate.hookimpl`, and registered through the ``secgate`` entry-point group::

    # pyproject.toml of your plugin distribution
    [project.entry-points.secgate]
    my-scanner = "my_package.secgate_plugin"

secgate's own scanners, reporters and policy register exactly this way. A plugin only
implements the hooks it needs; arguments can be left out of an implementation's signature
(pluggy passes only those it asks for).

Order of a ``secgate check`` run:

1. :func:`secgate_register_scanners` and :func:`secgate_register_reporters`, once per run,
   to build the registries (duplicate names are an error).
2. :func:`secgate_scan`, once per selected scanner, each in its own thread, concurrently.
3. :func:`secgate_adjust_findings`, once, on all findings together.
4. :func:`secgate_evaluate`, once: the verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from secgate.api import Decision, Reporter, RunContext, ScanContext, Scanner, ScanOutput
    from secgate.models import Finding, ScanResult

hookspec = pluggy.HookspecMarker("secgate")


@hookspec
def secgate_register_scanners() -> list[type[Scanner]]:  # type: ignore[empty-body]
    """Return the scanner classes this plugin provides.

    Called once when the plugin manager is built. Each class subclasses
    :class:`secgate.Scanner` and has a unique ``name`` (the name used in config tables,
    ``--scanner`` and reports). Return an empty list to contribute none.
    """


@hookspec
def secgate_register_reporters() -> list[type[Reporter]]:  # type: ignore[empty-body]
    """Return the report format classes this plugin provides.

    Called once when the plugin manager is built. Each class subclasses
    :class:`secgate.Reporter`; its ``name`` is what ``--format`` and ``--report NAME=FILE``
    accept. Return an empty list to contribute none.
    """


@hookspec(firstresult=True)
def secgate_scan(scanner: Scanner, context: ScanContext) -> ScanOutput | None:
    """Run one scanner over one scan context and return what it found.

    Called once per selected scanner, in a thread of its own, concurrently with the other
    scanners. ``context`` holds the scanned root, the file list (after include/exclude globs
    and .gitignore), the scanner's own validated options, the stage, the job count and the
    deadline.

    Return a :class:`secgate.ScanOutput` (findings, files scanned, files skipped with their
    reasons) to answer for this scanner, or ``None`` to let the next implementation answer.
    This is a ``firstresult`` hook: the built-in implementation is ``trylast`` and calls
    ``scanner.scan(context)``, so a plugin can wrap or replace scanning (a cache, say) by
    returning a result first.

    Raise to report failure: the scanner's status becomes ``error`` with the exception's
    message, the verdict becomes ``error`` under the default ``on-scanner-error = "fail"``,
    and every other scanner's findings are still reported.
    """


@hookspec
def secgate_adjust_findings(findings: list[Finding], run: RunContext) -> None:
    """Adjust findings after every scanner has finished and before the verdict.

    Called once per run with every scanner's findings in one list, which implementations
    change **in place**: replace an item with ``finding.model_copy(update=...)`` to mark it
    suppressed (``suppressed_by="baseline"``, ``"waiver:<id>"``…) or to merge duplicates.
    Never remove an item: every finding is reported, and the engine treats a shrunken list
    as a plugin error. ``run`` gives the root, the effective config, the stage and the
    scan results. Returns nothing.
    """


@hookspec(firstresult=True)
def secgate_evaluate(
    findings: list[Finding], results: list[ScanResult], run: RunContext
) -> Decision | None:
    """Decide the verdict: pass, fail or error, and which findings block.

    Called once per run (and again by ``secgate evaluate`` on a saved report). Gets the
    adjusted findings, every scanner's result and the run context with the effective
    policy. Return a :class:`secgate.plugins.Decision`, or ``None`` to defer to the next
    implementation. The built-in policy (``secgate.policy``) is ``trylast``: a plugin can
    replace the policy by returning a decision first.
    """
