"""``pyproject.toml``: PEP 621 dependencies and optional dependencies, PEP 735 groups.

``include-group`` entries of ``[dependency-groups]`` are followed where they are declared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement

from secgate.deps.manifests.core import (
    ManifestProblem,
    Manifests,
)
from secgate.deps.manifests.requirements import declaration_from_requirement, invalid_requirement
from secgate.deps.manifests.toml_lines import TomlLocator, load_toml
from secgate.deps.manifests.trust import excerpt


@dataclass
class _PyprojectReader:
    rel: str
    text: str
    locator: TomlLocator
    result: Manifests

    def problem(self, line: int | None, message: str) -> None:
        self.result.problems.append(ManifestProblem(self.rel, line, message))

    def requirements(
        self,
        value: object,
        what: str,
        tables: Sequence[str],
        group: str | None,
        *,
        allow_includes: bool = False,
    ) -> None:
        key, table = what.rsplit(".", 1)[-1], tables[-1]
        if not isinstance(value, list):
            self.problem(
                self.locator.key_line(self.text, key, tables),
                f"{what} must be an array of requirement strings",
            )
            return
        for item in value:
            if allow_includes and isinstance(item, Mapping) and "include-group" in item:
                continue  # the included group is read where it is declared
            if not isinstance(item, str):
                self.problem(
                    self.locator.key_line(self.text, key, tables)
                    or self.locator.key_line(self.text, key, (table,)),
                    f"{what}: expected a requirement string, got {excerpt(repr(item))}",
                )
                continue
            line = self.locator.find(item, tables)
            try:
                decl = declaration_from_requirement(
                    item.strip(), self.rel, line, "pyproject", group
                )
            except InvalidRequirement as exc:
                self.problem(line, f"{what}: {invalid_requirement(exc, item)}")
                continue
            self.result.declarations.append(decl)


def read_pyproject(rel: str, text: str, result: Manifests) -> None:
    """PEP 621 dependencies and optional-dependencies, PEP 735 dependency-groups."""
    data = load_toml(rel, text, result)
    if data is None:
        return
    locator = TomlLocator(text)
    reader = _PyprojectReader(rel, text, locator, result)
    project = data.get("project", {})
    if not isinstance(project, Mapping):
        reader.problem(locator.key_line(text, "project", ("",)), "project must be a table")
        project = {}
    if "dependencies" in project:
        reader.requirements(project["dependencies"], "project.dependencies", ("project",), None)
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, Mapping):
        reader.problem(
            locator.key_line(text, "optional-dependencies", ("project",)),
            "project.optional-dependencies must be a table",
        )
        optional = {}
    for extra, items in optional.items():
        reader.requirements(
            items,
            f"project.optional-dependencies.{extra}",
            ("project", "project.optional-dependencies"),
            f"optional-dependencies.{extra}",
        )
    groups = data.get("dependency-groups", {})
    if not isinstance(groups, Mapping):
        reader.problem(
            locator.key_line(text, "dependency-groups", ("",)), "dependency-groups must be a table"
        )
        groups = {}
    for group, items in groups.items():
        reader.requirements(
            items,
            f"dependency-groups.{group}",
            ("dependency-groups",),
            f"dependency-groups.{group}",
            allow_includes=True,
        )
