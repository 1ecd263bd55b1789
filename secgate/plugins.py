"""The plugin host: finds plugins, registers them with pluggy, and calls the hooks.

Plugins (secgate's own included) are found through the ``secgate`` entry-point group and
registered with pluggy. Nothing outside this module touches ``pm.hook``: :class:`PluginHost`
wraps each hook in a typed method, calls each registering plugin itself (so it knows which
distribution provided what), and rejects duplicate names.

The types a plugin uses live in :mod:`secgate.api` (re-exported here for code written
against this module).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import pluggy

from secgate import hookspecs
from secgate.api import (
    ENTRY_POINT_GROUP,
    SECGATE_API_VERSION,
    Availability,
    Decision,
    FileDigests,
    Reporter,
    RuleInfo,
    RunContext,
    ScanContext,
    Scanner,
    ScanOutput,
    bundled_rules,
    hookimpl,
    package_version,
)
from secgate.errors import PluginError

if TYPE_CHECKING:
    from secgate.models import Finding, ScanResult

__all__ = [
    "ENTRY_POINT_GROUP",
    "SECGATE_API_VERSION",
    "Availability",
    "Decision",
    "FileDigests",
    "PluginHost",
    "Reporter",
    "RuleInfo",
    "RunContext",
    "ScanContext",
    "ScanOutput",
    "Scanner",
    "ScannerInfo",
    "bundled_rules",
    "hookimpl",
    "make_plugin_host",
    "package_version",
]


# --------------------------------------------------------------------------- the host


@dataclass(frozen=True)
class ScannerInfo:
    """A registered scanner class and where it came from."""

    cls: type[Scanner]
    plugin: str
    distribution: str | None
    distribution_version: str | None

    @property
    def name(self) -> str:
        """The scanner's name."""
        return self.cls.name


@dataclass
class PluginHost:
    """The plugin manager with typed calls around pluggy's untyped hook relay."""

    pm: pluggy.PluginManager
    distributions: dict[str, tuple[str, str]] = field(default_factory=dict)
    _scanners: dict[str, ScannerInfo] | None = None
    _reporters: dict[str, type[Reporter]] | None = None

    def _provider(self, plugin: object) -> tuple[str, str | None, str | None]:
        name = self.pm.get_name(plugin) or repr(plugin)
        dist = self.distributions.get(name)
        return name, (dist[0] if dist else None), (dist[1] if dist else None)

    def scanners(self) -> dict[str, ScannerInfo]:
        """Every registered scanner by name. Two plugins with one name is an error."""
        if self._scanners is None:
            found: dict[str, ScannerInfo] = {}
            for impl in self.pm.hook.secgate_register_scanners.get_hookimpls():
                plugin_name, dist, dist_version = self._provider(impl.plugin)
                classes = list(cast("Iterable[object]", impl.function() or []))
                for cls in classes:
                    if not (isinstance(cls, type) and issubclass(cls, Scanner)):
                        raise PluginError(
                            f"plugin {plugin_name!r} registered {cls!r}, not a Scanner subclass"
                        )
                    if not getattr(cls, "name", ""):
                        raise PluginError(f"plugin {plugin_name!r}: {cls.__name__} has no name")
                    if cls.name in found:
                        other = found[cls.name].plugin
                        raise PluginError(
                            f"scanner name {cls.name!r} registered twice "
                            f"(plugins {other!r} and {plugin_name!r})"
                        )
                    found[cls.name] = ScannerInfo(cls, plugin_name, dist, dist_version)
            self._scanners = dict(sorted(found.items()))
        return self._scanners

    def reporters(self) -> dict[str, type[Reporter]]:
        """Every registered report format by name. Two plugins with one name is an error."""
        if self._reporters is None:
            found: dict[str, tuple[type[Reporter], str]] = {}
            for impl in self.pm.hook.secgate_register_reporters.get_hookimpls():
                plugin_name = self._provider(impl.plugin)[0]
                reporters = list(cast("Iterable[object]", impl.function() or []))
                for cls in reporters:
                    if not (isinstance(cls, type) and issubclass(cls, Reporter)):
                        raise PluginError(
                            f"plugin {plugin_name!r} registered {cls!r}, not a Reporter subclass"
                        )
                    if cls.name in found:
                        raise PluginError(
                            f"report format {cls.name!r} registered twice "
                            f"(plugins {found[cls.name][1]!r} and {plugin_name!r})"
                        )
                    found[cls.name] = (cls, plugin_name)
            self._reporters = {name: value[0] for name, value in sorted(found.items())}
        return self._reporters

    def scan(self, scanner: Scanner, context: ScanContext) -> ScanOutput | None:
        """Call ``secgate_scan`` for one scanner (exceptions propagate to the engine)."""
        result: ScanOutput | None = self.pm.hook.secgate_scan(scanner=scanner, context=context)
        return result

    def adjust_findings(self, findings: list[Finding], run: RunContext) -> None:
        """Call ``secgate_adjust_findings``; the list is changed in place."""
        self.pm.hook.secgate_adjust_findings(findings=findings, run=run)

    def evaluate(
        self, findings: list[Finding], results: list[ScanResult], run: RunContext
    ) -> Decision | None:
        """Call ``secgate_evaluate``: the first decision wins."""
        decision: Decision | None = self.pm.hook.secgate_evaluate(
            findings=findings, results=results, run=run
        )
        return decision


#: secgate's own plugins, registered by module before any entry point (as pytest registers
#: its own): they work in a source checkout that is not installed, and a third-party entry
#: point cannot take their names. They use the same hooks as any third-party plugin.
DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("scan", "secgate.scanners"),
    ("cache", "secgate.cache"),
    ("evidence", "secgate.evidence"),
    ("adjust", "secgate.adjust"),
    ("policy", "secgate.policy"),
    ("reports", "secgate.reports"),
    ("bandit", "secgate.scanners.bandit"),
    ("pip-audit", "secgate.scanners.pip_audit"),
    ("semgrep", "secgate.scanners.semgrep"),
    ("secrets", "secgate.scanners.secrets"),
)
#: Without these a run cannot scan or decide: they cannot be disabled.
ESSENTIAL_PLUGINS = frozenset({"scan", "policy"})


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = (ep.name, ep.value)
        if key not in seen:
            seen.add(key)
            unique.append(ep)
    return unique


def make_plugin_host(
    extra_plugins: Sequence[object] = (),
    *,
    disabled: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> PluginHost:
    """Build a plugin host: secgate's own plugins, every ``secgate`` entry point, *extra_plugins*.

    A plugin that fails to import is an error (a gate with a plugin silently missing could
    pass code it should not). ``disabled`` (or ``SECGATE_DISABLE_PLUGINS``, comma-separated)
    names entry points not to load.
    """
    env = os.environ if environ is None else environ
    blocked = set(disabled) | {
        name.strip() for name in env.get("SECGATE_DISABLE_PLUGINS", "").split(",") if name.strip()
    }
    essential = sorted(blocked & ESSENTIAL_PLUGINS)
    if essential:
        raise PluginError(
            f"plugin {essential[0]!r} is essential (secgate cannot scan or decide without it) "
            "and cannot be disabled; disable single scanners instead"
        )
    pm = pluggy.PluginManager("secgate")
    pm.add_hookspecs(hookspecs)
    distributions: dict[str, tuple[str, str]] = {}
    own_version = package_version("secgate-ci")
    for name, module in DEFAULT_PLUGINS:
        if name not in blocked:
            pm.register(importlib.import_module(module), name=name)
            if own_version is not None:
                distributions[name] = ("secgate-ci", own_version)
    defaults = {module for _, module in DEFAULT_PLUGINS}
    for ep in _entry_points():
        if ep.name in blocked or pm.get_plugin(ep.name) is not None or ep.value in defaults:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure becomes one clear line
            dist = ep.dist.name if ep.dist else "unknown distribution"
            raise PluginError(
                f"plugin {ep.name!r} ({ep.value}, from {dist}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        pm.register(plugin, name=ep.name)
        if ep.dist is not None:
            distributions[ep.name] = (ep.dist.name, ep.dist.version)
    for index, plugin in enumerate(extra_plugins):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{index}"
        pm.register(plugin, name=name)
    try:
        pm.check_pending()  # a misspelt hook name is a bug the author wants to hear about
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r}: {exc}") from None
    return PluginHost(pm=pm, distributions=distributions)
