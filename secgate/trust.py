"""What the scanned tree's own config may ask for, and the owner's policy over it.

The scanned repository is hostile: a fork's pull request is exactly what a gate runs on,
and it supplies its own ``[tool.secgate]`` table. That table may add checks and tune
thresholds (what it weakens is reported), but it may not:

- name a program, an interpreter or a network rule source to use (``program`` keys):
  that would run code from the pull request with the job's environment;
- point a path outside the scanned root (``path`` keys): that would read or write the
  runner's own files;
- switch off a safeguard of the gate itself (``owner`` keys such as ``allow-empty``);
- choose where the result cache lives (``location`` keys): a committed cache could answer
  "no findings" for any file.

A key's trust class is declared on its pydantic field (``json_schema_extra``), so a
scanner plugin marks its own options the same way the built-ins do. Config that comes from
the command line, ``--config``/``SECGATE_CONFIG``, a :class:`~secgate.config.Config`
object or the owner's ``--policy`` is the pipeline owner's and is not restricted here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secgate.errors import ConfigError

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

    from secgate.config import Config, LoadedConfig, PolicySettings, ScannerOptions
    from secgate.ownerpolicy import OwnerPolicy

from secgate.trustmarks import (  # re-exported: plugins mark their options with these
    ENV_KEY,
    LOCATION,
    OWNER,
    PATH,
    PROGRAM,
    TRUST_KEY,
    trust_of,
    trusted,
)

__all__ = [
    "ENV_KEY",
    "LOCATION",
    "OWNER",
    "PATH",
    "PROGRAM",
    "TRUST_KEY",
    "TreeConfigReview",
    "check_locked",
    "check_waiver_cap",
    "trust_of",
    "trusted",
]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


def _field_for(model: type[Any], key: str) -> tuple[str, FieldInfo] | None:
    fields: dict[str, FieldInfo] = model.model_fields
    for name, field in fields.items():
        if key in (name, _kebab(name)):
            return name, field
    return None


def _check_path(value: object, key: str, source: str, base: Path, root: Path) -> None:
    values = (
        [value]
        if isinstance(value, str)
        else list(value)
        if isinstance(value, list | tuple)
        else []
    )
    for raw in values:
        if not isinstance(raw, str) or not raw:
            continue
        if raw.startswith("~") or Path(raw).is_absolute():
            raise ConfigError(
                f"{source}: {key}: an absolute path from the scanned tree's own config is "
                "not allowed (give it with --policy, --config or the command line)"
            )
        resolved = Path(os.path.realpath(base / raw))
        if resolved != root and not resolved.is_relative_to(root):
            raise ConfigError(
                f"{source}: {key}: resolves outside the scanned root (give paths outside "
                "it with --policy, --config or the command line)"
            )


class TreeConfigReview:
    """Checks one config from the scanned tree; collects what it had to set aside."""

    def __init__(
        self,
        loaded: LoadedConfig,
        root: Path,
        option_models: Mapping[str, type[ScannerOptions]],
    ) -> None:
        self.source = str(loaded.path) if loaded.path else "config"
        self.prefix = loaded.key_prefix
        self.base = Path(os.path.realpath(loaded.root or root))
        self.root = Path(os.path.realpath(root))
        self.option_models = option_models
        self.warnings: list[str] = []

    def _key(self, *parts: str) -> str:
        return ".".join(p for p in (self.prefix, *parts) if p)

    def _review_field(self, kind: str | None, env: str | None, key: str, value: object) -> bool:
        """Raise for a forbidden key; True when the value must be dropped."""
        if kind == PROGRAM:
            raise ConfigError(
                f"{self.source}: {key}: names a program or rule source to use; the scanned "
                "tree's own config may not set it (use --policy, --config, the command "
                "line or the environment)"
            )
        if kind == OWNER:
            raise ConfigError(
                f"{self.source}: {key}: only the pipeline owner's policy may set this "
                "(--policy, --config or SECGATE_POLICY), not the scanned tree's own config"
            )
        if kind == LOCATION:
            self.warnings.append(
                f"ignored {key} from the scanned tree's config: where secgate keeps its "
                "state is chosen by the command line, the environment or the owner's policy"
            )
            return True
        if kind == PATH:
            _check_path(value, key, self.source, self.base, self.root)
            if env and os.environ.get(env, "").strip():
                self.warnings.append(
                    f"ignored {key} from the scanned tree's config: ${env} names one"
                )
                return True
        return False

    def _review_settings(self, settings: PolicySettings, *where: str) -> PolicySettings:
        update: dict[str, Any] = {}
        for name in sorted(settings.model_fields_set):
            field = type(settings).model_fields[name]
            kind, env = trust_of(field)
            if self._review_field(
                kind, env, self._key(*where, _kebab(name)), getattr(settings, name)
            ):
                update[name] = None
        scanners: dict[str, dict[str, Any]] = {}
        for scanner, table in settings.scanners.items():
            model = self.option_models.get(scanner)
            kept: dict[str, Any] = {}
            for raw_key, value in table.items():
                found = _field_for(model, raw_key) if model is not None else None
                if found is not None:
                    kind, env = trust_of(found[1])
                    key = self._key(*where, "scanners", scanner, raw_key)
                    if self._review_field(kind, env, key, value):
                        continue
                kept[raw_key] = value
            scanners[scanner] = kept
        if scanners != settings.scanners:
            update["scanners"] = scanners
        return settings.model_copy(update=update) if update else settings

    def review(self, config: Config) -> Config:
        """The tree's config with ignored keys removed; raises for forbidden ones."""
        reviewed = self._review_settings(config)
        stages = {
            name: self._review_settings(profile, "stages", name)
            for name, profile in config.stages.items()
        }
        if any(stages[n] is not p for n, p in config.stages.items()):
            reviewed = reviewed.model_copy(update={"stages": stages})
        return reviewed  # type: ignore[return-value]  # Config in, Config out


def check_locked(loaded: LoadedConfig, policy: OwnerPolicy, policy_source: str) -> None:
    """Raise when the repository's config changes a key the owner's policy locked."""
    source = str(loaded.path) if loaded.path else "config"
    prefix = loaded.key_prefix
    tables: list[tuple[PolicySettings, str]] = [(loaded.config, prefix)]
    tables += [
        (profile, ".".join(p for p in (prefix, "stages", name) if p))
        for name, profile in loaded.config.stages.items()
    ]
    for key in policy.locked:
        parts = key.split(".")
        for settings, where in tables:
            if len(parts) == 1:
                name = parts[0].replace("-", "_")
                hit = name in settings.model_fields_set
            else:
                table = settings.scanners.get(parts[1], {}) if parts[0] == "scanners" else {}
                hit = (
                    bool(table)
                    if len(parts) == 2
                    else any(k in (parts[2], parts[2].replace("-", "_")) for k in table)
                )
            if hit:
                full = ".".join(p for p in (where, key) if p)
                raise ConfigError(
                    f"{source}: {full}: locked by the owner's policy ({policy_source}); "
                    "the repository's config may not change it"
                )


def check_waiver_cap(
    loaded: LoadedConfig, policy: OwnerPolicy, policy_source: str, today: date | None = None
) -> None:
    """Raise when a waiver in the repository's config outlives the owner's ``max-waiver-days``.

    A waiver that never really ends is an ignore with extra steps; the owner caps how far
    out a repository may set one.
    """
    if policy.max_waiver_days is None:
        return
    today = today or date.today()
    limit = today + timedelta(days=policy.max_waiver_days)
    source = str(loaded.path) if loaded.path else "config"
    tables = [loaded.config, *loaded.config.stages.values()]
    for settings in tables:
        for waiver in settings.waivers:
            if waiver.expires > limit:
                raise ConfigError(
                    f"{source}: waiver {waiver.id} expires on {waiver.expires}, more than "
                    f"max-waiver-days = {policy.max_waiver_days} from today (owner's policy "
                    f"{policy_source}); set an expiry on or before {limit}"
                )
