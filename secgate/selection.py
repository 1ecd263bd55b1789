"""Which scanners a run uses, and whether each can run here: decided in one place.

``select``/``skip``/``--scanner`` name scanners; every name must be registered. A scanner
named explicitly (``select``, ``--scanner``) is required: if it cannot run, its result is an
error. In a default run (no ``select``, no ``--scanner``) a *built-in* scanner that cannot
run is an error too (a missing scanner must not pass: the fix is to install it, or to say
which scanners the project uses with ``select`` or ``skip``); a third-party scanner that
cannot run is skipped with a warning saying why and how to install it. The pytest plugin,
the ``scanners`` and ``rules`` commands and the engine all ask :func:`probe` and
:func:`planned` here, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from secgate.api import Availability, Scanner
from secgate.errors import ConfigError
from secgate.jobs import describe_exception
from secgate.models import ScanResult, ScanStatus
from secgate.plugins import DEFAULT_PLUGINS

if TYPE_CHECKING:
    from secgate.config import Config
    from secgate.plugins import PluginHost

#: secgate's own plugins: a scanner one of them registers is a built-in scanner.
BUILTIN_PLUGINS = frozenset(name for name, _ in DEFAULT_PLUGINS)


def probe(scanner: Scanner) -> Availability:
    """Whether *scanner* can run here; a probe that crashes is a reason, never an exception."""
    try:
        return scanner.availability()
    except Exception as exc:  # noqa: BLE001 - a broken probe is the scanner's problem
        return Availability(ok=False, reason=f"availability check {describe_exception(exc)}")


def planned(
    registered: Iterable[str], config: Config, requested: Sequence[str] | None = None
) -> tuple[list[str], bool]:
    """The scanner names a run will try, and whether they were named explicitly."""
    if requested:
        return list(dict.fromkeys(requested)), True
    if config.select is not None:
        return list(dict.fromkeys(config.select)), True
    return [n for n in registered if n not in config.skip], False


@dataclass(frozen=True)
class Selection:
    """The scanners to run (each with whether it is required) and the results of the rest."""

    run: list[tuple[Scanner, bool]]
    not_run: list[ScanResult]
    warnings: list[str]


def select_scanners(
    host: PluginHost, config: Config, requested: Sequence[str] | None, source: str
) -> Selection:
    """Check every scanner name, then probe the planned scanners."""
    registry = host.scanners()
    known = ", ".join(registry) or "none installed"

    def check_names(names: Sequence[str], key: str) -> None:
        for name in names:
            if name not in registry:
                raise ConfigError(f"{source}{key}: unknown scanner {name!r} (registered: {known})")

    check_names(config.skip, "skip")
    check_names(list(config.scanners), "scanners")
    if requested:
        check_names(requested, "--scanner")
    elif config.select is not None:
        check_names(config.select, "select")
    wanted, explicit = planned(registry, config, requested)
    run: list[tuple[Scanner, bool]] = []
    not_run: list[ScanResult] = []
    warnings: list[str] = []
    for name in wanted:
        scanner = registry[name].cls()
        availability = probe(scanner)
        if availability.ok:
            run.append((scanner, explicit))
        elif explicit:
            not_run.append(
                ScanResult(
                    name=name,
                    status=ScanStatus.ERROR,
                    required=True,
                    error=f"required but cannot run: {availability.describe()}",
                )
            )
        elif registry[name].plugin in BUILTIN_PLUGINS:
            # A default run promises every built-in check: one that is missing fails
            # closed, unless the config says which scanners the project wants.
            not_run.append(
                ScanResult(
                    name=name,
                    status=ScanStatus.ERROR,
                    error=f"cannot run: {availability.describe()}; a default run needs every "
                    f"built-in scanner: install it, or name the scanners this project uses "
                    f'(select = [...]) or skip this one (skip = ["{name}"])',
                )
            )
        else:
            not_run.append(
                ScanResult(name=name, status=ScanStatus.SKIPPED, error=availability.describe())
            )
            warnings.append(f"scanner {name} skipped: {availability.describe()}")
    for name in registry:
        if name not in wanted:
            not_run.append(ScanResult(name=name, status=ScanStatus.SKIPPED, error="not selected"))
    return Selection(run=run, not_run=not_run, warnings=warnings)
