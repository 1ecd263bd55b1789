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
from functools import lru_cache

from secgate.traces.fold import (
    Disproved,
    Unknown,
    _covers,
    _File,
    _Folder,
    _Index,
    _NotConst,
    _pos,
    _span,
)
from secgate.traces.values import constant_sink

__all__ = ["Disproved", "Unknown", "verify"]


def _test_text(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _mark_dead(info: _File, folder: _Folder, sink: ast.expr | None) -> str | None:
    """Record the dead suites of ``if``/``while``; return the proof if the sink lies in one."""
    proof: str | None = None
    for node in info.index.branches:
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
    index: _Index, start: int, end: int
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, bool]:
    """The function holding the sink (a method counts) and whether it is a nested one."""
    found: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    nested = False
    for node in index.scopes:
        if not _covers(node, start, end):
            continue
        if found is not None or isinstance(node, ast.Lambda):
            nested = True  # a closure: its free names are not analysed
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found = node
    return found, nested


@lru_cache(maxsize=8)
def _parse(source: str) -> _Index:
    """The file's tree and its index, built once for all its findings (checks only read
    them)."""
    return _Index(ast.parse(source))


def verify(
    source: str,
    start_line: int,
    end_line: int | None = None,
    start_col: int | None = None,
    end_col: int | None = None,
    *,
    dead_only: bool = False,
) -> Disproved | Unknown:
    """Disprove the taint flow into the sink at ``start_line``..``end_line``, or say Unknown.

    Columns are semgrep's (1-based); with them the sink expression is located exactly.
    *dead_only*: only whether the line can run (:func:`unreachable`).
    """
    try:
        end = end_line or start_line
        return _verify(source, start_line, end, start_col, end_col, dead_only=dead_only)
    except RecursionError:
        return Unknown("the file is too deeply nested to analyse")
    except Exception as exc:  # noqa: BLE001 -- never raise: an unexpected shape keeps the finding
        return Unknown(f"the trace check did not complete ({type(exc).__name__})")


def unreachable(
    source: str,
    start_line: int,
    end_line: int | None = None,
    start_col: int | None = None,
    end_col: int | None = None,
) -> Disproved | Unknown:
    """Disproved when the finding's line lies on a branch that cannot run (constant folding
    of its ``if``/``while`` test), whatever the finding's evidence; else Unknown.

    Code that cannot run holds no weakness, for a pattern or construct finding (a bandit
    test, ``hashlib.sha1()`` under ``if False:``) as for a taint flow.
    """
    return verify(source, start_line, end_line, start_col, end_col, dead_only=True)


def _verify(
    source: str,
    start: int,
    end: int,
    start_col: int | None,
    end_col: int | None,
    *,
    dead_only: bool,
) -> Disproved | Unknown:
    try:
        index = _parse(source)
    except (SyntaxError, ValueError):
        return Unknown("the file does not parse as Python")
    tree = index.tree
    function, nested = _enclosing_function(index, start, end)
    if nested:
        return Unknown("the sink is inside a nested function, class or lambda")
    info = _File(tree, start, end, index)
    if function is not None:
        info.scope_body = function.body
        info.function = function
    folder = _Folder(info.env(exclude_dead=False))
    sink = _sink_node(index, start, end, start_col, end_col)
    proof = _mark_dead(info, folder, sink if start_col is not None else None)
    if proof is not None:
        return Disproved(proof)
    if dead_only:
        return Unknown("the line can run")
    if sink is None:
        return Unknown("the sink expression was not located in the file")
    return constant_sink(info, sink, info.env(exclude_dead=True), exact=start_col is not None)


def _sink_node(
    index: _Index, start: int, end: int, start_col: int | None, end_col: int | None
) -> ast.expr | None:
    """The outermost expression spanning exactly the sink's range (or the line's only call)."""
    if start_col is not None and end_col is not None:
        return index.expr_at(start, end, start_col - 1, end_col - 1)
    calls = index.calls_on(start, end)
    outer = [c for c in calls if not any(c is not o and _inside(c, o) for o in calls)]
    return outer[0] if len(outer) == 1 else None


def _inside(inner: ast.AST, outer: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))
