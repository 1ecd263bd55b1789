"""Provably constant sink arguments for :mod:`secgate.traces`.

Literal containers (lists/dicts bound once, mutated only by known calls in straight-line
code of the sink's block) and literal allow-lists narrowing a name before the sink.
"""

from __future__ import annotations

import ast
import builtins
from typing import Any

from secgate.traces.fold import (
    Disproved,
    Unknown,
    _covers,
    _File,
    _Folder,
    _literal,
    _NotConst,
    _scope_nodes,
)

_UNKNOWN = object()  # a container element whose value is not known (maybe tainted)
_ABORTS = {"abort"}


def _name_uses(info: _File, name: str) -> list[ast.Name]:
    return [n for n in info.index.nodes if isinstance(n, ast.Name) and n.id == name]


def _container(info: _File, name: str, sink_stmt: ast.stmt, reads: set[int]) -> Any:
    """Simulate a literal list/dict bound once in the sink's block before the sink."""

    body = info.scope_body
    if sink_stmt not in body or name in info.unsafe or len(info.stores.get(name, [])) != 1:
        raise LookupError
    index = body.index(sink_stmt)
    binding = None
    for i, stmt in enumerate(body[:index]):
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name
        ):
            binding = i
    if binding is None:
        raise LookupError
    assign = body[binding]
    if not isinstance(assign, ast.Assign):
        raise LookupError
    fold = _Folder({}).fold

    def element(node: ast.expr) -> Any:
        try:
            values = fold(node)
        except _NotConst:
            return _UNKNOWN
        return next(iter(values)) if len(values) == 1 else _UNKNOWN

    state: Any
    if isinstance(assign.value, ast.List):
        state = [element(e) for e in assign.value.elts if not isinstance(e, ast.Starred)]
        if len(state) != len(assign.value.elts):
            raise LookupError
    elif isinstance(assign.value, ast.Dict):
        state = {}
        for key, value in zip(assign.value.keys, assign.value.values, strict=True):
            if key is None:
                raise LookupError
            state[_literal(key)] = element(value)
    else:
        raise LookupError
    allowed = {id(assign.targets[0])} | reads
    for stmt in body[binding + 1 : index]:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if (
            isinstance(state, list)
            and isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == name
            and not call.keywords
        ):
            args, method = call.args, call.func.attr
            if method == "append" and len(args) == 1:
                state.append(element(args[0]))
            elif method == "pop" and len(args) <= 1:
                state.pop(_literal(args[0]) if args else -1)
            elif method == "insert" and len(args) == 2:
                state.insert(_literal(args[0]), element(args[1]))
            elif (
                method == "extend" and len(args) == 1 and isinstance(args[0], ast.List | ast.Tuple)
            ):
                state.extend(element(e) for e in args[0].elts)
            else:
                raise LookupError
            allowed.add(id(call.func.value))
    for use in _name_uses(info, name):
        if id(use) not in allowed:
            raise LookupError  # aliasing, passing it on, a loop, an unknown mutation...
    return state


def _narrowed(info: _File, sink_stmt: ast.stmt) -> dict[str, frozenset[Any]]:
    """Names restricted to literal values by an enclosing test or an early-exit guard."""

    out: dict[str, frozenset[Any]] = {}

    def test_values(test: ast.expr, positive: bool) -> tuple[str, frozenset[Any]] | None:
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        if not isinstance(test.left, ast.Name):
            return None
        op, right = test.ops[0], test.comparators[0]
        try:
            if isinstance(op, ast.In if positive else ast.NotIn) and isinstance(
                right, ast.Tuple | ast.List | ast.Set
            ):
                values = frozenset(_literal(e) for e in right.elts)
            elif isinstance(op, ast.Eq if positive else ast.NotEq):
                values = frozenset([_literal(right)])
            else:
                return None
        except (_NotConst, TypeError):
            return None
        if not all(isinstance(v, str) for v in values):
            return None
        return test.left.id, values

    def stored_in(name: str, nodes: list[ast.stmt]) -> bool:
        return any(
            isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
            for n in _scope_nodes(nodes)
        ) or name in {
            n
            for s in _scope_nodes(nodes)
            if isinstance(s, ast.Global | ast.Nonlocal)
            for n in s.names
        }

    start, end = info.start, info.end
    for node in _scope_nodes(info.scope_body):
        if isinstance(node, ast.If) and any(_covers(s, start, end) for s in node.body):
            found = test_values(node.test, positive=True)
            if found and not stored_in(found[0], node.body):
                out[found[0]] = found[1]
    if info.function is not None and sink_stmt in info.scope_body:
        body = info.scope_body
        for i, stmt in enumerate(body[: body.index(sink_stmt)]):
            if not (isinstance(stmt, ast.If) and not stmt.orelse and _exits(stmt.body[-1])):
                continue
            found = test_values(stmt.test, positive=False)
            if (
                found
                and not stored_in(found[0], body[i + 1 :])
                and not stored_in(found[0], stmt.body)
            ):
                out[found[0]] = found[1]
    return out


def _exits(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Return | ast.Raise):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in _ABORTS
    return False


def _statement_of(info: _File, sink: ast.expr) -> ast.stmt | None:
    """The innermost statement holding *sink*."""
    node: ast.AST | None = info.index.parent(sink)
    while node is not None and not isinstance(node, ast.stmt):
        node = info.index.parent(node)
    return node


def constant_sink(
    info: _File, sink: ast.expr, live_env: dict[str, frozenset[Any]], *, exact: bool = False
) -> Disproved | Unknown:
    """Disproved when every value reaching the sink folds to a constant.

    *exact*: the sink expression was located by semgrep's columns, so it is the value that
    reaches the sink (rules focus on it), and a call there is a value: only a pure builtin's
    value follows from constant arguments (``request.args.get("user")`` does not). Without
    columns the sink is the line's outermost call, the sink function itself, and its
    arguments are what reaches it.
    """

    stmt = _statement_of(info, sink)
    if stmt is None:
        return Unknown("the sink statement was not located")
    exprs: list[ast.expr]
    if isinstance(sink, ast.Call) and exact and not _pure_callee(info, sink.func):
        # a value: only a literal container's own get()/pop() is known (else Unknown below)
        exprs = [sink]
    elif isinstance(sink, ast.Call) and not exact and not _plain_callee(info, sink.func):
        return Unknown(f"`{ast.unparse(sink.func)[:60]}` may carry the value itself")
    elif isinstance(sink, ast.Call):
        exprs = [*sink.args, *(k.value for k in sink.keywords)]
        if not exprs or any(isinstance(e, ast.Starred) for e in sink.args):
            return Unknown("the sink call's arguments are not all plain expressions")
    else:
        exprs = [sink]
    env = {**live_env, **_narrowed(info, stmt)}
    env.update(_container_names(info, env))
    live = _Folder(env)
    proofs: list[str] = []
    for expr in exprs:
        try:
            live.fold(expr)
            proofs.append(f"`{ast.unparse(expr)[:40]}`")
            continue
        except _NotConst:
            pass
        value = _from_container(info, stmt, expr)
        if value is _UNKNOWN:
            return Unknown(f"`{ast.unparse(expr)[:60]}` is not provably constant")
        proofs.append(f"`{ast.unparse(expr)[:40]}` (= {value!r:.40})")
    narrowed = sorted(k for k in env if k not in live_env)
    how = f" ({', '.join(narrowed)} restricted to a literal allow-list)" if narrowed else ""
    return Disproved(
        f"line {info.start}: the sink's arguments are constant{how}: {', '.join(proofs)}"
    )


#: Builtins whose result follows from their arguments alone: with constant arguments, the
#: value is constant. Any other call (``request.args.get("user")``, ``os.environ.get("X")``)
#: may return data from outside whatever its arguments are.
_PURE_BUILTINS = frozenset(
    {
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "len",
        "repr",
        "format",
        "abs",
        "min",
        "max",
        "round",
        "sorted",
        "tuple",
        "list",
        "frozenset",
        "chr",
        "ord",
        "hex",
        "oct",
        "bin",
    }
)


def _plain_callee(info: _File, func: ast.expr) -> bool:
    """A callee that carries no data: ``module.attr...`` or a builtin, never rebound."""
    while isinstance(func, ast.Attribute):
        func = func.value
    if not isinstance(func, ast.Name) or func.id in info.stores or info.dynamic:
        return False
    if func.id in info.imported:
        return True
    return func.id in dir(builtins) and func.id not in info.unsafe


def _pure_callee(info: _File, func: ast.expr) -> bool:
    """A pure builtin, never rebound or imported over: constant when its arguments are."""
    if not isinstance(func, ast.Name) or func.id in info.stores or info.dynamic:
        return False
    return func.id in _PURE_BUILTINS and func.id not in info.imported and func.id not in info.unsafe


def _from_container(info: _File, stmt: ast.stmt, expr: ast.expr) -> Any:

    try:
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            state = _container(info, expr.value.id, stmt, {id(expr.value)})
            return state[_literal(expr.slice)]
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and isinstance(expr.func.value, ast.Name)
            and not expr.keywords
        ):
            state = _container(info, expr.func.value.id, stmt, {id(expr.func.value)})
            args = [_literal(a) for a in expr.args]
            if isinstance(state, dict) and expr.func.attr == "get" and len(args) == 1:
                return state.get(args[0], None)
            if isinstance(state, list) and expr.func.attr == "pop" and len(args) <= 1:
                return state[args[0] if args else -1]
    except (LookupError, _NotConst, TypeError, ValueError, IndexError):
        return _UNKNOWN
    return _UNKNOWN


def _container_names(info: _File, env: dict[str, frozenset[Any]]) -> dict[str, frozenset[Any]]:
    """Names bound once, at the top of the sink's function before it, to an element of a
    literal container whose value is known there (``chosen = items.pop()``,
    ``cmd = table["safe"]``): the element's constant value."""
    out: dict[str, frozenset[Any]] = {}
    if info.dynamic or info.scope_body is info.tree.body:
        return out
    for name, stores in info.stores.items():
        if name in env or name in info.unsafe or len(stores) != 1:
            continue
        assign = info._assign_of(stores[0])
        if assign is None or not any(assign is s for s in info.scope_body):
            continue
        if assign.end_lineno is None or assign.end_lineno >= info.start:
            continue
        if not isinstance(assign.value, ast.Subscript | ast.Call):
            continue
        value = _from_container(info, assign, assign.value)
        if value is _UNKNOWN or not isinstance(value, str | bytes | int | float | bool):
            continue
        out[name] = frozenset([value])
    return out
