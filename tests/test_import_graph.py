"""No import cycles inside secgate (issue 14).

Every module's imports are read from its source: top-level, function-level and
``TYPE_CHECKING`` ones alike, because a cycle hidden in a function-level import is still a
cycle in the design. The package's ``__init__`` (lazy re-exports of the public names) is
the one module left out: it imports everything on purpose and nothing imports it back for
anything but those names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import secgate

PACKAGE = Path(secgate.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
        for target in targets:
            known = target
            while known and known not in modules and "." in known:
                known = known.rpartition(".")[0]
            if known in modules and known not in {name, "secgate"}:
                out.add(known)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert len(graph) > 40  # the walk found the package
    assert "secgate.models" in graph["secgate.engine"]  # and reads imports
    assert _cycles(graph) == []


def test_the_checker_sees_a_function_level_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_public_api_module_imports_no_machinery() -> None:
    """Plugins import secgate.api; it must not pull in the engine, the host or a scanner."""
    modules = _modules()
    direct = _imports("secgate.api", modules["secgate.api"], modules)
    assert direct <= {"secgate.config", "secgate.errors", "secgate.models", "secgate.trustmarks"}
