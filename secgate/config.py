"""Configuration: ``[tool.secgate]`` in pyproject.toml or a ``secgate.toml``, found and validated.

Discovery walks from the scan target upward and takes the first directory that has either a
``secgate.toml`` or a ``pyproject.toml`` with a ``[tool.secgate]`` table (the way ruff finds its
settings). Every key is validated: an unknown key, a wrong type or a bad value raises
:class:`ConfigError` whose message names the file, the key path and what was expected.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from secgate.errors import ConfigError
from secgate.models import GapKind, Severity
from secgate.trustmarks import LOCATION, OWNER, PATH, trusted

CONFIG_FILENAMES = ("secgate.toml", "pyproject.toml")

#: Folders nobody wants scanned. Replace with ``exclude``, extend with ``extend-exclude``.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    "node_modules/",
    "__pycache__/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".pytest_cache/",
    ".hypothesis/",
    "*.egg-info/",
    "/build/",
    "/dist/",
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0, None: 1.0}


def parse_duration(value: object) -> float:
    """Seconds from a number or a string like ``"90s"``, ``"10m"``, ``"7d"``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 600, '90s', '10m' or '7d'")
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError("a duration must be positive")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            seconds = float(match.group(1)) * _UNITS[match.group(2)]
            if seconds > 0:
                return seconds
    raise ValueError(f"expected a duration such as 600, '90s', '10m' or '7d', got {value!r}")


#: Seconds, written in config as a number or ``"10m"``-style string.
Duration = Annotated[float, BeforeValidator(parse_duration)]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class ConfigModel(BaseModel):
    """Base for every config table: frozen, unknown keys rejected, kebab-case keys in TOML."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=AliasGenerator(validation_alias=_kebab, serialization_alias=_kebab),
        validate_by_name=True,
        validate_by_alias=True,
    )


class ScannerOptions(ConfigModel):
    """Keys every ``[tool.secgate.scanners.<name>]`` table accepts.

    A scanner plugin subclasses this to add its own keys (and names the subclass in
    :attr:`secgate.Scanner.Options`).
    """

    fail_on: Severity | None = Field(
        default=None, description="Threshold for this scanner's findings (default: the global one)."
    )
    timeout: Duration | None = Field(
        default=None, description="Seconds (or '10m') before the scanner is stopped as an error."
    )
    exclude: tuple[str, ...] = Field(
        default=(), description="Extra gitignore-style globs this scanner does not look at."
    )
    min_coverage: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Share of its candidate files this scanner must analyse (default: the "
        "global min-coverage).",
    )
    fail_on_gaps: tuple[GapKind, ...] | None = Field(
        default=None, description="Gap kinds that make the verdict error for this scanner."
    )
    block_unconfirmed: bool | None = Field(
        default=None,
        description="Let this scanner's unconfirmed pattern findings block (default: the "
        "global block-unconfirmed).",
    )


class Waiver(ConfigModel):
    """``[[tool.secgate.waivers]]``: an accountable, expiring exception.

    It matches a finding when every match key it sets agrees (rule id, advisory id or alias,
    fingerprint, path glob, scanner). ``reason`` and ``expires`` are required: an exception
    nobody can explain, or that never ends, is how gates rot.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", description="Short unique name.")
    reason: str = Field(min_length=3, description="Why this finding is acceptable for now.")
    expires: date = Field(description="Last day the waiver applies (YYYY-MM-DD).")
    owner: str | None = Field(default=None, description="Who answers for it.")
    ticket: str | None = Field(default=None, description="Where the fix is tracked.")
    rule: str | None = Field(default=None, description="Match: rule id (B602, …).")
    advisory: str | None = Field(
        default=None, description="Match: advisory id or any alias (PYSEC-…, GHSA-…, CVE-…)."
    )
    fingerprint: str | None = Field(default=None, description="Match: one finding's fingerprint.")
    path: str | None = Field(default=None, description="Match: gitignore-style path glob.")
    scanner: str | None = Field(default=None, description="Match: scanner name.")

    @model_validator(mode="after")
    def _matches_something(self) -> Self:
        if not (self.rule or self.advisory or self.fingerprint or self.path):
            raise ValueError(
                "a waiver needs at least one of rule, advisory, fingerprint or path to match"
            )
        return self


#: The built-in path policy: test, docs and example code is scanned and reported, but only
#: critical findings there block; secrets block everywhere. ``relax-test-code = false`` drops it.
TEST_CODE_GLOBS: tuple[str, ...] = (
    "tests/",
    "test/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "docs/",
    "examples/",
)


class PathPolicy(ConfigModel):
    """``[[tool.secgate.paths]]``: a different policy for some paths. The first match wins."""

    id: str | None = Field(default=None, description="Name shown in the decision trace.")
    paths: tuple[str, ...] = Field(min_length=1, description="gitignore-style globs.")
    fail_on: Severity | None = Field(default=None, description="Threshold for these paths.")
    exclude_rules: tuple[str, ...] = Field(
        default=(), description="Rule ids that never block in these paths (still reported)."
    )
    scanners: tuple[str, ...] | None = Field(
        default=None, description="Apply only to these scanners' findings."
    )
    except_scanners: tuple[str, ...] = Field(
        default=(), description="Never apply to these scanners' findings."
    )

    @property
    def label(self) -> str:
        """The name used in ``decided_by`` and ``suppressed_by``."""
        return self.id or ",".join(self.paths)


BUILTIN_TEST_CODE_POLICY = PathPolicy(
    id="test-code",
    paths=TEST_CODE_GLOBS,
    fail_on=Severity.CRITICAL,
    except_scanners=("secrets",),
)


class PolicySettings(ConfigModel):
    """The keys that both the top-level table and a stage profile accept."""

    fail_on: Severity = Field(
        default=Severity.HIGH, description="Findings at or above this severity block."
    )
    on_scanner_error: Literal["fail", "warn"] = Field(
        default="fail",
        description="'fail': a scanner error makes the verdict error (fail closed). "
        "'warn': report it and judge the rest.",
    )
    select: tuple[str, ...] | None = Field(
        default=None,
        description="Run exactly these scanners; each is required. Default: every installed one.",
    )
    skip: tuple[str, ...] = Field(default=(), description="Scanners never to run.")
    include: tuple[str, ...] = Field(
        default=(), description="gitignore-style globs; when set, only matching files are scanned."
    )
    exclude: tuple[str, ...] = Field(
        default=DEFAULT_EXCLUDES,
        description="gitignore-style globs never scanned (replaces the defaults).",
    )
    extend_exclude: tuple[str, ...] = Field(
        default=(), description="More globs to exclude, on top of `exclude`."
    )
    respect_gitignore: bool = Field(default=True, description="Skip what .gitignore files ignore.")
    min_coverage: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Each scanner must analyse at least this share of its candidate files "
        "(and the collector read at least this share of the tree): below it the verdict is "
        "error. Files a scanner could not read or parse are gaps.",
    )
    fail_on_gaps: tuple[GapKind, ...] = Field(
        default=(),
        description="Gap kinds (unreadable, unparsable, newer-python, encoding, binary, "
        "too-big, timed-out, vanished, not-regular, invalid-requirement, vcs, url, editable, "
        "path…) of which any one makes the verdict error; 'unparsable' also covers "
        "invalid-requirement and newer-python, 'unreadable' covers vanished.",
    )
    block_unconfirmed: bool = Field(
        default=False,
        description="Let pattern-only findings block even where semgrep's taint rules for "
        "their weakness family analysed the file and found no flow from untrusted input "
        "(unconfirmed). Default: they are reported, not blocking.",
    )
    max_file_mb: int = Field(
        default=10, ge=1, description="Files larger than this many MB are skipped (listed)."
    )
    timeout: Duration = Field(default=600.0, description="Per-scanner timeout (seconds or '10m').")
    jobs: int | None = Field(
        default=None, ge=1, description="Worker processes for CPU-bound scanners (default: cores)."
    )
    scanners: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-scanner tables, validated against each scanner's own options.",
    )
    paths: tuple[PathPolicy, ...] = Field(
        default=(), description="Path-scoped policies; the first whose globs match wins."
    )
    relax_test_code: bool = Field(
        default=True,
        description="Test, docs and example code blocks only at critical (secrets block "
        "everywhere). Applied after `paths`.",
    )
    waivers: tuple[Waiver, ...] = Field(default=(), description="Expiring exceptions.")
    waiver_warning: Duration = Field(
        default=14 * 86400.0, description="Warn about waivers expiring within this long."
    )
    baseline: str | None = Field(
        default=None,
        description="Baseline file (relative to the config file) used by `secgate check`.",
        json_schema_extra=trusted(PATH),
    )
    vex: tuple[str, ...] = Field(
        default=(),
        description="OpenVEX or CycloneDX VEX documents (JSON, relative to the config file): "
        "a not_affected or fixed statement for a dependency's advisory sets the matching "
        "finding aside (vex:<document>#<statement>); `secgate check --vex FILE` adds more.",
        json_schema_extra=trusted(PATH),
    )
    allow_empty: bool = Field(
        default=False,
        description="Let a run that analysed no file of a non-empty tree pass (default: "
        "that is an error, 'nothing was checked'). Only from the owner's --policy/--config.",
        json_schema_extra=trusted(OWNER),
    )
    changed_only: bool = Field(
        default=False,
        description="With --new-since REF: per-file scanners analyse only the files changed "
        "since REF (and REF's versions of them); the rest is not scanned and not a gap.",
    )
    cache: bool = Field(
        default=True, description="Reuse per-file results of unchanged files between runs."
    )
    cache_dir: str | None = Field(
        default=None,
        description="Result cache folder (default: $SECGATE_CACHE_DIR, else "
        "$XDG_CACHE_HOME/secgate). Only from --policy, --config or the command line: "
        "ignored in the scanned tree's own config.",
        json_schema_extra=trusted(LOCATION),
    )
    cache_max_mb: int = Field(
        default=512, ge=1, description="Size bound of the result cache, in MB."
    )


class StageProfile(PolicySettings):
    """``[tool.secgate.stages.<name>]``: the keys it sets replace the top-level ones."""


#: Stage profiles every project has under the conventional names (``--stage pre-commit``,
#: ``pr``, ``release``); a ``[tool.secgate.stages.<name>]`` of the same name replaces one.
#: ``pre-commit`` leaves out the dependency audit (a hook must be fast and offline);
#: ``pr`` is the defaults; ``release`` blocks from ``medium`` up.
BUILTIN_STAGES: dict[str, StageProfile] = {
    "pre-commit": StageProfile(skip=("pip-audit",)),
    "pr": StageProfile(),
    "release": StageProfile(fail_on=Severity.MEDIUM),
}


class Config(PolicySettings):
    """The whole ``[tool.secgate]`` table."""

    stages: dict[str, StageProfile] = Field(
        default_factory=dict, description="Named profiles chosen with --stage."
    )

    def for_stage(self, stage: str | None, source: str | None = None) -> Config:
        """This config with the stage profile's keys laid over it.

        Per-scanner tables merge key by key, so a stage can change one scanner option
        without restating the others.
        """
        if stage is None:
            return self
        if stage in self.stages:
            return self.merged(self.stages[stage])
        if stage in BUILTIN_STAGES:
            return self.merged(BUILTIN_STAGES[stage])
        known = ", ".join(sorted({*self.stages, *BUILTIN_STAGES}))
        where = f"{source}: " if source else ""
        raise ConfigError(f"{where}unknown stage {stage!r} (stages: {known})")

    def merged(self, profile: PolicySettings) -> Config:
        """Lay the keys *profile* sets explicitly over this config."""
        update: dict[str, Any] = {}
        for name in profile.model_fields_set:
            value = getattr(profile, name)
            if name == "scanners":
                merged = {k: dict(v) for k, v in self.scanners.items()}
                for scanner, options in value.items():
                    merged.setdefault(scanner, {}).update(options)
                value = merged
            update[name] = value
        return self.model_copy(update=update)

    @property
    def path_policies(self) -> tuple[PathPolicy, ...]:
        """The user's path policies, then the built-in test-code one unless dropped."""
        if self.relax_test_code:
            return (*self.paths, BUILTIN_TEST_CODE_POLICY)
        return self.paths

    def effective_dict(self) -> dict[str, Any]:
        """The policy as plain JSON data, for the report's ``policy`` field."""
        return self.model_dump(mode="json", by_alias=True, exclude={"stages"})


class LoadedConfig(BaseModel):
    """A validated config and where it came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    config: Config
    path: Path | None = None
    key_prefix: str = ""
    #: True when the pipeline's owner named this config (``--config``, ``SECGATE_CONFIG``,
    #: a :class:`Config` object); False when it was discovered in the scanned tree.
    trusted: bool = True
    #: Lines for the report's warnings found on the way (a ``[tool.secgat]`` typo, say).
    notes: tuple[str, ...] = ()

    @property
    def root(self) -> Path | None:
        """The folder holding the config file: the project root."""
        return self.path.parent if self.path else None


def _describe_error(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if "input" in error and not isinstance(error["input"], dict | list):
        shown = repr(error["input"])
        if len(shown) > 60:
            shown = shown[:57] + "..."
        if shown in message:  # the message already quotes the value
            return message
        return f"{message} (got {shown})"
    return message


def format_validation_error(
    exc: ValidationError, source: str, prefix: str, model: type[BaseModel] | None = None
) -> str:
    """One line: ``file: key.path: what is wrong``, for the first error (more are counted)."""
    errors = exc.errors()
    first = errors[0]
    if first.get("type") == "missing":
        # Name every missing key of that table, not the first and "(and 2 more)".
        parent = tuple(first.get("loc", ()))[:-1]
        missing = [
            str(e["loc"][-1])
            for e in errors
            if e.get("type") == "missing" and tuple(e.get("loc", ()))[:-1] == parent
        ]
        if len(missing) > 1:
            where = prefix
            for part in parent:
                where += (
                    f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
                )
            others = len(errors) - len(missing)
            more = f" (and {others} more)" if others else ""
            return (
                f"{source}: {where or '(top level)'}: missing required keys "
                f"{', '.join(_kebab(m) for m in missing)}{more}"
            )
    key = prefix
    for part in first.get("loc", ()):
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key = f"{key}.{part}" if key else str(part)
    key = key or "(top level)"
    loc = [str(part) for part in first.get("loc", ())]
    text = _describe_error(first)
    if first.get("type") == "extra_forbidden" and model is not None and len(loc) == 1:
        allowed = sorted(
            (field.alias or name) if isinstance(field.alias, str) else _kebab(name)
            for name, field in model.model_fields.items()
        )
        text += f" (expected one of: {', '.join(allowed)})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{source}: {key}: {text}{more}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: not UTF-8 (byte {exc.start}: {exc.reason})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _table_of(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The secgate table in a parsed file, and its key prefix; None when it has none."""
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "secgate" not in tool:
            return None
        table = tool["secgate"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: tool.secgate: expected a table")
        return table, "tool.secgate"
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("secgate"), dict):
        raise ConfigError(
            f"{path}: [tool.secgate] belongs in pyproject.toml; {path.name} takes the same "
            "keys at its top level: remove the [tool.secgate] header"
        )
    return data, ""


def validate_config(table: Mapping[str, Any], source: str, prefix: str = "") -> Config:
    """Validate a raw secgate table, raising :class:`ConfigError` with a one-line message."""
    try:
        return Config.model_validate(dict(table))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, prefix, Config)) from None


def load_file(path: Path) -> LoadedConfig:
    """Load an explicitly named config file (``--config``)."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = _read_toml(path)
    found = _table_of(path, data)
    if found is None:
        # An explicit pyproject.toml without a [tool.secgate] table: defaults, but say where.
        return LoadedConfig(config=Config(), path=path, key_prefix="tool.secgate")
    table, prefix = found
    return LoadedConfig(
        config=validate_config(table, str(path), prefix), path=path, key_prefix=prefix
    )


def discover(start: Path) -> LoadedConfig:
    """Find the closest config from *start* upward; defaults when there is none."""
    notes: list[str] = []
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_FILENAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            data = _read_toml(candidate)
            found = _table_of(candidate, data)
            if found is None:
                near = near_miss_table(candidate, data)
                if near is not None:
                    notes.append(near)
                continue
            table, prefix = found
            return LoadedConfig(
                config=validate_config(table, str(candidate), prefix),
                path=candidate,
                key_prefix=prefix,
                trusted=False,
                notes=tuple(notes),
            )
    return LoadedConfig(config=Config(), trusted=False, notes=tuple(notes))


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings only)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def near_miss_table(path: Path, data: Mapping[str, Any]) -> str | None:
    """A note when a pyproject.toml has ``[tool.X]`` with X a near-miss of ``secgate``."""
    tool = data.get("tool")
    if path.name != "pyproject.toml" or not isinstance(tool, Mapping):
        return None
    for name in tool:
        if name != "secgate" and _distance(name.lower(), "secgate") <= 2:
            return (
                f"{path}: [tool.{name}] is not read (did you mean [tool.secgate]?); "
                "secgate runs with its defaults"
            )
    return None


def validate_scanner_options(
    options_model: type[ScannerOptions],
    raw: Mapping[str, Any],
    scanner: str,
    source: str,
    prefix: str,
) -> ScannerOptions:
    """Validate one ``[tool.secgate.scanners.<name>]`` table against its scanner's model."""
    try:
        return options_model.model_validate(dict(raw))
    except ValidationError as exc:
        key = ".".join(filter(None, [prefix, "scanners", scanner]))
        raise ConfigError(format_validation_error(exc, source, key, options_model)) from None
