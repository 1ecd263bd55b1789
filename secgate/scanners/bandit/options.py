"""The bandit scanner's name and its options table ``[tool.secgate.scanners.bandit]``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from secgate.config import ScannerOptions

NAME = "bandit"
INSTALL_HINT = "pip install 'secgate-ci[bandit]'"

BanditTestId = Annotated[str, StringConstraints(pattern=r"^B\d{3}$")]
Level = Literal["low", "medium", "high"]


class BanditOptions(ScannerOptions):
    """``[tool.secgate.scanners.bandit]``: which tests, which findings, which settings."""

    tests: tuple[BanditTestId, ...] = Field(
        default=(),
        description="Run only these bandit tests (ids such as B602), like `bandit -t`; "
        "added to `tests` from [tool.bandit]. B001 selects every blacklist test.",
    )
    skips: tuple[BanditTestId, ...] = Field(
        default=(),
        description="Never run these bandit tests, like `bandit -s`; added to `skips` "
        "from [tool.bandit].",
    )
    severity: Level | None = Field(
        default=None,
        description="Report only findings of at least this bandit severity, like "
        "`bandit -l/-ll/-lll` (default: all).",
    )
    confidence: Level | None = Field(
        default=None,
        description="Report only findings of at least this bandit confidence, like "
        "`bandit -i/-ii/-iii` (default: all).",
    )
    use_pyproject: bool = Field(
        default=True,
        description="Read [tool.bandit] from the scanned root's pyproject.toml, as "
        "`bandit -c pyproject.toml` would (tests, skips, test settings; not exclude_dirs "
        "or include: secgate's exclude settings pick the files). Settings that turn "
        "detection off are shown in the policy summary.",
    )

    @model_validator(mode="after")
    def _tests_and_skips_disjoint(self) -> BanditOptions:
        both = sorted(set(self.tests) & set(self.skips))
        if both:
            raise ValueError(f"tests and skips both name {', '.join(both)}")
        return self
