"""The pipeline owner's ``--policy`` file: keys the scanned repository cannot loosen.

A ``secgate.toml``-style file kept outside the checkout (``--policy FILE`` or
``$SECGATE_POLICY``): its keys win over the repository's own config, ``locked`` names keys the
repository may not set at all, and ``max-waiver-days`` caps how far out a repository waiver
may expire. Relative paths in it resolve against its own folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from secgate.config import (
    Config,
    ConfigModel,
    PolicySettings,
    StageProfile,
    _kebab,
    _read_toml,
    _table_of,
    format_validation_error,
)
from secgate.errors import ConfigError


class OwnerPolicy(ConfigModel):
    """The pipeline owner's ``--policy`` file: keys that win over the repository's config.

    Its top-level keys are those of ``[tool.secgate]``; ``locked`` names keys the
    repository's own config may not set at all (``fail-on``, ``scanners.semgrep`` or
    ``scanners.semgrep.rules``), so a pull request cannot change them unseen.
    """

    settings: StageProfile = Field(default_factory=StageProfile)
    stages: dict[str, StageProfile] = Field(default_factory=dict)
    locked: tuple[str, ...] = ()
    max_waiver_days: int | None = Field(
        default=None,
        ge=0,
        description="A waiver in the repository's config may expire at most this many days "
        "from today.",
    )
    path: str | None = None

    def apply(self, config: Config, stage: str | None) -> Config:
        """*config* with this policy's keys (and its *stage* profile's) laid over it."""
        merged = config.merged(self.settings)
        if stage is not None and stage in self.stages:
            merged = merged.merged(self.stages[stage])
        return merged


def _absolute_paths(table: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make the policy's path keys absolute, relative to the policy file's folder."""
    out = dict(table)
    for key in ("baseline", "cache-dir", "cache_dir"):
        if isinstance(out.get(key), str):
            out[key] = str((base / Path(out[key]).expanduser()).resolve())
    if isinstance(out.get("vex"), list):
        out["vex"] = [
            str((base / Path(v).expanduser()).resolve()) if isinstance(v, str) else v
            for v in out["vex"]
        ]
    return out


def load_policy(path: Path) -> OwnerPolicy:
    """Load the owner's policy file (a ``secgate.toml``-style table, or a pyproject's)."""
    if not path.is_file():
        raise ConfigError(f"{path}: policy file not found")
    data = _read_toml(path)
    found = _table_of(path, data)
    table, prefix = found if found is not None else ({}, "tool.secgate")
    table = dict(table)
    locked = table.pop("locked", [])
    max_waiver_days = table.pop("max-waiver-days", table.pop("max_waiver_days", None))
    if max_waiver_days is not None and (
        isinstance(max_waiver_days, bool)
        or not isinstance(max_waiver_days, int)
        or max_waiver_days < 0
    ):
        raise ConfigError(f"{path}: max-waiver-days: expected a whole number of days (0 or more)")
    raw_stages = table.pop("stages", {})
    source = str(path)
    if not isinstance(locked, list) or not all(isinstance(k, str) for k in locked):
        raise ConfigError(f"{source}: locked: expected a list of key names")
    known = {_kebab(name) for name in PolicySettings.model_fields}
    for key in locked:
        head = key.split(".")
        if not (
            (len(head) == 1 and head[0] in known) or (head[0] == "scanners" and len(head) in (2, 3))
        ):
            raise ConfigError(
                f"{source}: locked: unknown key {key!r} (a top-level key such as 'fail-on', "
                "or 'scanners.NAME[.KEY]')"
            )
    if not isinstance(raw_stages, dict):
        raise ConfigError(f"{source}: stages: expected a table")
    base = path.resolve().parent
    try:
        settings = StageProfile.model_validate(_absolute_paths(table, base))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, prefix, StageProfile)) from None
    stages: dict[str, StageProfile] = {}
    for name, raw in raw_stages.items():
        key = ".".join(p for p in (prefix, "stages", name) if p)
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: {key}: expected a table")
        try:
            stages[name] = StageProfile.model_validate(_absolute_paths(raw, base))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, source, key, StageProfile)) from None
    return OwnerPolicy(
        settings=settings,
        stages=stages,
        locked=tuple(locked),
        max_waiver_days=max_waiver_days,
        path=source,
    )
