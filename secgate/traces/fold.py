"""Constant folding over literals for :mod:`secgate.traces`.

An expression folds to the frozenset of values it can have (more than one when a name is
restricted to an allow-list); anything not provably constant raises ``_NotConst``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_LITERAL = (str, int, float, bool, bytes, type(None))
_MAX_SET = 64
_MAX_LEN = 10_000


@dataclass(frozen=True)
class Disproved:
    reason: str


@dataclass(frozen=True)
class Unknown:
    reason: str


class _NotConst(Exception):
    pass


_BIN: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Div: operator.truediv,
}
_CMP: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}


def _check(value: Any) -> Any:
    if isinstance(value, str | bytes) and len(value) > _MAX_LEN:
        raise _NotConst
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**18:
        raise _NotConst
    return value


def _literal(node: ast.expr) -> Any:
    """The value of a pure literal (constants, tuples and frozensets of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, _LITERAL):
        return node.value
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.Set):
        return frozenset(_literal(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value
    raise _NotConst


class _Folder:
    """Folds an expression to the frozenset of values it can have."""

    def __init__(self, env: dict[str, frozenset[Any]]) -> None:
        self.env = env

    def fold(self, node: ast.expr) -> frozenset[Any]:
        try:
            return frozenset([_literal(node)])
        except (_NotConst, TypeError):
            pass
        if isinstance(node, ast.Name) and node.id in self.env:
            return self.env[node.id]
        if isinstance(node, ast.UnaryOp):
            values = self.fold(node.operand)
            if isinstance(node.op, ast.Not):
                return frozenset(not v for v in values)
            ops: dict[type[ast.unaryop], Callable[[Any], Any]] = {
                ast.USub: operator.neg,
                ast.UAdd: operator.pos,
                ast.Invert: operator.invert,
            }
            return self._map(ops[type(node.op)], values)
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            fn = _BIN[type(node.op)]
            left, right = self.fold(node.left), self.fold(node.right)
            return self._product(fn, left, right)
        if isinstance(node, ast.BoolOp):
            return self._boolop(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.JoinedStr):
            return self._joined(node)
        if isinstance(node, ast.IfExp):
            test = self.fold(node.test)
            out: set[Any] = set()
            if any(test):
                out |= self.fold(node.body)
            if not all(test):
                out |= self.fold(node.orelse)
            return frozenset(out)
        raise _NotConst

    def _joined(self, node: ast.JoinedStr) -> frozenset[Any]:
        """An f-string whose every part folds: ``f"/srv/{name}"`` with ``name`` constant."""
        results: set[str] = {""}
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                results = {r + part.value for r in results}
                continue
            if (
                not isinstance(part, ast.FormattedValue)
                or part.conversion != -1
                or part.format_spec is not None
            ):
                raise _NotConst
            values = self.fold(part.value)
            if len(results) * len(values) > _MAX_SET or not all(
                isinstance(v, str | int) and not isinstance(v, bool) for v in values
            ):
                raise _NotConst
            results = {r + str(v) for r in results for v in values}
            if any(len(r) > _MAX_LEN for r in results):
                raise _NotConst
        return frozenset(results)

    def _map(self, fn: Callable[[Any], Any], values: frozenset[Any]) -> frozenset[Any]:
        try:
            return frozenset(_check(fn(v)) for v in values)
        except Exception as exc:
            raise _NotConst from exc

    def _product(
        self, fn: Callable[[Any, Any], Any], left: frozenset[Any], right: frozenset[Any]
    ) -> frozenset[Any]:
        if len(left) * len(right) > _MAX_SET:
            raise _NotConst
        out = set()
        for a in left:
            for b in right:
                if isinstance(a, str | bytes) and isinstance(b, int) and b * len(a) > _MAX_LEN:
                    raise _NotConst
                try:
                    out.add(_check(fn(a, b)))
                except _NotConst:
                    raise
                except Exception as exc:
                    raise _NotConst from exc
        return frozenset(out)

    def _boolop(self, node: ast.BoolOp) -> frozenset[Any]:
        # Short-circuit: for `and`, a falsy value ends it; for `or`, a truthy one.
        is_and = isinstance(node.op, ast.And)
        results: set[Any] = set()
        pending = True
        for value in node.values:
            values = self.fold(value) if pending else frozenset()
            stop = {v for v in values if (not v) == is_and}
            go_on = values - stop
            results |= stop
            if value is node.values[-1]:
                results |= go_on
            elif not go_on:
                pending = False
                break
        return frozenset(results)

    def _compare(self, node: ast.Compare) -> frozenset[Any]:
        out: set[Any] = set()
        left = self.fold(node.left)
        truth: frozenset[Any] = frozenset([True])
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.fold(comparator)
            step = self._product(_CMP[type(op)], left, right)
            out_now = {bool(v) for v in step}
            truth = frozenset(a and b for a in truth for b in out_now)
            left = right
        out |= truth
        return frozenset(out)


def _scope_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a block, not descending into nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _span(node: ast.AST) -> tuple[int, int]:
    start = getattr(node, "lineno", 0)
    return start, getattr(node, "end_lineno", None) or start


def _covers(node: ast.AST, start: int, end: int) -> bool:
    a, b = _span(node)
    return a <= start and end <= b


def _pos(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    end = (
        getattr(node, "end_lineno", None) or start[0],
        getattr(node, "end_col_offset", None) or 0,
    )
    return start, end


_DYNAMIC = {"globals", "locals", "vars", "exec", "eval", "setattr", "__import__"}


class _Index:
    """What every finding of one file needs from its tree, computed in one walk: the nodes
    in ``ast.walk`` order, the branches and scopes among them, and the name facts
    (:class:`_File` reads them; nothing here depends on the sink)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.nodes: list[ast.AST] = list(ast.walk(tree))
        self.branches: list[ast.If | ast.While] = []
        self.scopes: list[ast.AST] = []
        self.stores: dict[str, list[ast.AST]] = {}
        self.unsafe: set[str] = set()
        self.imported: set[str] = set()
        self.dynamic = False
        self._exprs: dict[tuple[int, int, int, int], ast.expr] | None = None
        self._calls: dict[tuple[int, int], list[ast.Call]] | None = None
        self._parents: dict[int, ast.AST] | None = None
        for node in self.nodes:
            if isinstance(node, ast.If | ast.While):
                self.branches.append(node)
            elif isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                self.scopes.append(node)
            self._note(node)

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

    def expr_at(self, start: int, end: int, col: int, end_col: int) -> ast.expr | None:
        """The first expression (in walk order, so the outermost) spanning exactly this
        range (0-based columns)."""
        if self._exprs is None:
            self._exprs = {}
            for node in self.nodes:
                if isinstance(node, ast.expr) and node.end_lineno is not None:
                    key = (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset or 0)
                    self._exprs.setdefault(key, node)
        return self._exprs.get((start, end, col, end_col))

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The node directly holding *node* (None for the module or a foreign node)."""
        if self._parents is None:
            self._parents = {
                id(child): holder for holder in self.nodes for child in ast.iter_child_nodes(holder)
            }
        return self._parents.get(id(node))

    def calls_on(self, start: int, end: int) -> list[ast.Call]:
        """The calls starting on line *start* and ending on line *end*, in walk order."""
        if self._calls is None:
            self._calls = {}
            for node in self.nodes:
                if isinstance(node, ast.Call) and node.end_lineno is not None:
                    self._calls.setdefault((node.lineno, node.end_lineno), []).append(node)
        return self._calls.get((start, end), [])


class _File:
    """One sink's view of a file: the file's :class:`_Index` (shared by all its findings)
    plus what depends on the sink (its lines, scope and the dead regions found)."""

    def __init__(self, tree: ast.Module, start: int, end: int, index: _Index | None = None) -> None:
        self.index = index if index is not None and index.tree is tree else _Index(tree)
        self.tree = tree
        self.start, self.end = start, end
        self.dead: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.stores = self.index.stores
        self.unsafe = self.index.unsafe
        self.imported = self.index.imported
        self.dynamic = self.index.dynamic
        self.scope_body = tree.body
        self.function: ast.FunctionDef | ast.AsyncFunctionDef | None = None

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
