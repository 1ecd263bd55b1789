"""Built-in scanners, one plugin module each, and the default ``secgate_scan`` implementation.

This module is itself a plugin (entry point ``scan``): its ``trylast`` implementation of
``secgate_scan`` calls ``scanner.scan(context)``, so any plugin can wrap or replace how
scanners are run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from secgate.plugins import hookimpl

if TYPE_CHECKING:
    from secgate.plugins import ScanContext, Scanner, ScanOutput


@hookimpl(trylast=True)
def secgate_scan(scanner: Scanner, context: ScanContext) -> ScanOutput:
    """Run the scanner itself."""
    return scanner.scan(context)
