"""Verify a semgrep taint finding against the file's ``ast`` (issue 16, section 1b).

semgrep CE's taint mode follows every branch and treats containers coarsely. This module
answers, for one sink, either :class:`Disproved` (with a one-line proof) or
:class:`Unknown`. **Unknown means keep**: it only disproves with proof, from

- constant folding over literals and names bound exactly once in the file to a literal
  (never reassigned, no ``global``/``nonlocal``/augmented assignment/for/with/walrus/``del``,
  not a parameter, no ``import *``/``globals()``/``exec`` in the file);
- dead code: the sink lies on a branch whose test folds to a constant that excludes it;
- a provably constant sink argument (bindings in dead code do not count), through literal
  lists/dicts bound once whose only uses are known ``append/pop/insert/extend`` calls in
  straight-line code of the same block;
- a literal allow-list: ``if x in ("a", "b"):`` around the sink, or
  ``if x not in (...): return/raise/abort(...)`` before it at the top of the function.

Anything unexpected gives :class:`Unknown`; :func:`verify` never raises.
"""

from __future__ import annotations

import ast
from typing import Any

from secgate.scanners.semgrep.trace_fold import (
    Disproved,
    Unknown,
    _covers,
    _Folder,
    _literal,
    _NotConst,
    _span,
)
from secgate.scanners.semgrep.trace_values import constant_sink

__all__ = ["Disproved", "Unknown", "verify"]

_DYNAMIC = {"globals", "locals", "vars", "exec", "eval", "setattr", "__import__"}


class _File:
    def __init__(self, tree: ast.Module, start: int, end: int) -> None:
        self.tree = tree
        self.start, self.end = start, end
        self.dead: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.stores: dict[str, list[ast.AST]] = {}
        self.unsafe: set[str] = set()
        self.imported: set[str] = set()
        self.dynamic = False
        for node in ast.walk(tree):
            self._note(node)
        self.scope_body = tree.body
        self.function: ast.FunctionDef | ast.AsyncFunctionDef | None = None

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            self.stores.setdefault(node.id, []).append(node)
            if isinstance(node.ctx, ast.Del):
                self.unsafe.add(node.id)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            self.unsafe.update(node.names)
        elif isinstance(node, ast.arg):
            self.unsafe.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.unsafe.add(node.name)
        elif isinstance(node, ast.alias):
            if node.name == "*":
                self.dynamic = True
            self.unsafe.add((node.asname or node.name).split(".")[0])
            self.imported.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            self.unsafe.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.unsafe.add(node.rest)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            self.dynamic |= node.func.id in _DYNAMIC

    def is_dead(self, node: ast.AST) -> bool:
        a, b = _pos(node)
        return any(s <= a and b <= e for s, e in self.dead)

    def env(self, exclude_dead: bool) -> dict[str, frozenset[Any]]:
        """Names bound exactly once (on live code) by a plain ``name = <literal>``."""
        if self.dynamic:
            return {}
        env: dict[str, frozenset[Any]] = {}
        parents = {id(s): body for body in self._bodies() for s in body}
        for name, stores in self.stores.items():
            if name in self.unsafe:
                continue
            live = [s for s in stores if not (exclude_dead and self.is_dead(s))]
            if len(live) != 1:
                continue
            assign = self._assign_of(live[0])
            if assign is None or parents.get(id(assign)) is None:
                continue
            body = parents[id(assign)]
            if body is not self.tree.body and body is not self.scope_body:
                continue
            if body is self.scope_body and _span(assign)[1] >= self.start:
                continue
            try:
                env[name] = frozenset([_literal(assign.value)])
            except (_NotConst, TypeError):
                continue
        return env

    def _bodies(self) -> list[list[ast.stmt]]:
        return [self.tree.body] + (
            [self.scope_body] if self.scope_body is not self.tree.body else []
        )

    def _assign_of(self, target: ast.AST) -> ast.Assign | None:
        for stmt in self._bodies():
            for node in stmt:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and node.targets[0] is target
                ):
                    return node
        return None


def _test_text(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _pos(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    end = (
        getattr(node, "end_lineno", None) or start[0],
        getattr(node, "end_col_offset", None) or 0,
    )
    return start, end


def _mark_dead(info: _File, folder: _Folder, sink: ast.expr | None) -> str | None:
    """Record the dead suites of ``if``/``while``; return the proof if the sink lies in one."""
    proof: str | None = None
    for node in ast.walk(info.tree):
        if not isinstance(node, ast.If | ast.While):
            continue
        try:
            values = {bool(v) for v in folder.fold(node.test)}
        except _NotConst:
            continue
        if len(values) != 1:
            continue
        value = values.pop()
        if isinstance(node, ast.While) and value:
            continue  # `while True:` runs its body; its else is left to Unknown
        for child in node.orelse if value else node.body:
            region = _pos(child)
            info.dead.append(region)
            if proof is not None:
                continue
            if sink is not None:
                inside = info.is_dead(sink)
            else:  # no column: the whole sink line must be in the suite, not the header
                inside = child.lineno > _span(node.test)[1] and _covers(child, info.start, info.end)
            if inside:
                where = "an else branch" if value else "a branch"
                proof = (
                    f"line {info.start} is on {where} that cannot run: "
                    f"`{_test_text(node.test)}` is always {value}"
                )
    return proof


def _enclosing_function(
    tree: ast.Module, start: int, end: int
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, bool]:
    """The function holding the sink (a method counts) and whether it is a nested one."""
    found: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    nested = False
    for node in ast.walk(tree):
        scoped = isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        )
        if not (scoped and _covers(node, start, end)):
            continue
        if found is not None or isinstance(node, ast.Lambda):
            nested = True  # a closure: its free names are not analysed
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found = node
    return found, nested


def verify(
    source: str,
    start_line: int,
    end_line: int | None = None,
    start_col: int | None = None,
    end_col: int | None = None,
) -> Disproved | Unknown:
    """Disprove the taint flow into the sink at ``start_line``..``end_line``, or say Unknown.

    Columns are semgrep's (1-based); with them the sink expression is located exactly.
    """
    try:
        return _verify(source, start_line, end_line or start_line, start_col, end_col)
    except RecursionError:
        return Unknown("the file is too deeply nested to analyse")
    except Exception as exc:  # noqa: BLE001 -- never raise: an unexpected shape keeps the finding
        return Unknown(f"the trace check did not complete ({type(exc).__name__})")


def _verify(
    source: str, start: int, end: int, start_col: int | None, end_col: int | None
) -> Disproved | Unknown:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return Unknown("the file does not parse as Python")
    function, nested = _enclosing_function(tree, start, end)
    if nested:
        return Unknown("the sink is inside a nested function, class or lambda")
    info = _File(tree, start, end)
    if function is not None:
        info.scope_body = function.body
        info.function = function
    folder = _Folder(info.env(exclude_dead=False))
    sink = _sink_node(tree, start, end, start_col, end_col)
    proof = _mark_dead(info, folder, sink if start_col is not None else None)
    if proof is not None:
        return Disproved(proof)
    if sink is None:
        return Unknown("the sink expression was not located in the file")
    return constant_sink(info, sink, info.env(exclude_dead=True), exact=start_col is not None)


def _sink_node(
    tree: ast.Module, start: int, end: int, start_col: int | None, end_col: int | None
) -> ast.expr | None:
    """The outermost expression spanning exactly the sink's range (or the line's only call)."""
    if start_col is not None and end_col is not None:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.expr)
                and node.lineno == start
                and node.end_lineno == end
                and node.col_offset == start_col - 1
                and node.end_col_offset == end_col - 1
            ):
                return node
        return None
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and n.lineno == start and n.end_lineno == end
    ]
    outer = [c for c in calls if not any(c is not o and _inside(c, o) for o in calls)]
    return outer[0] if len(outer) == 1 else None


def _inside(inner: ast.AST, outer: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))
