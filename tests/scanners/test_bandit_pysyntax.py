"""secgate.pysyntax (bandit's newer-python gaps): newer syntax told from broken syntax.

Every case is also checked against the real newer interpreters this machine has (3.12,
3.13): newer syntax must parse there, broken syntax must fail there too.
"""

from __future__ import annotations

import ast
import functools
import json
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from secgate.pysyntax import (
    EXCEPT_LIST,
    F_STRING,
    T_STRING,
    TYPE_ALIAS,
    TYPE_DEFAULTS,
    TYPE_PARAMS,
    Feature,
    newer_python_reason,
    newer_syntax,
)

OLD = sys.version_info < (3, 12)
needs_old = pytest.mark.skipif(not OLD, reason="this Python parses 3.12 syntax")

#: (source, features) that a newer Python parses and this one (3.11) does not.
NEWER: dict[str, tuple[str, tuple[Feature, ...]]] = {
    "f-string nested same quotes": ('d = {"k": 1}\nx = f"{d["k"]}"\n', (F_STRING,)),
    "f-string backslash": ("a = ['x']\nx = f\"{'\\n'.join(a)}\"\n", (F_STRING,)),
    "f-string comment": ('x = f"""{\n    a  # the value\n}"""\n', (F_STRING,)),
    "f-string newline in single quotes": ('x = f"{a +\n b}"\n', (F_STRING,)),
    "f-string deep nesting": ("x = f'{f'{f'{1}'}'}'\n", (F_STRING,)),
    "f-string spec": ('x = f"{v:{d["w"]}.{p}}"\n', (F_STRING,)),
    "f-string debug and conversion": ('x = f"{d["k"]=!r:>10}"\n', (F_STRING,)),
    "raw f-string": ('x = rf"\\d{d["k"]}\\w"\n', (F_STRING,)),
    "triple in triple": ('x = f"""{"""inner"""}"""\n', (F_STRING,)),
    "named escape and nested quotes": ('x = f"\\N{BULLET} {d["k"]}"\n', (F_STRING,)),
    "backslash before a field": ("x = f'\\{f'{1}'}'\n", (F_STRING,)),
    "t-string nested in an f-string": ('x = f"{d[t"k"]}"\n', (F_STRING, T_STRING)),
    "f-string in a call over lines": (
        'print(\n    f"{d["a"]}",\n    f"{d["b"]}",\n)\n',
        (F_STRING,),
    ),
    "type alias": ("type Vector = list[float]\n", (TYPE_ALIAS,)),
    "generic type alias": ("type Pair[T] = tuple[T, T]\n", (TYPE_ALIAS,)),
    "generic def": ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", (TYPE_PARAMS,)),
    "generic async def": ("async def f[T](x: T) -> T:\n    return x\n", (TYPE_PARAMS,)),
    "generic class": ("class Box[T]:\n    item: T\n", (TYPE_PARAMS,)),
    "bounds and variadics": (
        "class C[T: (int, str), *Ts, **P]:\n    pass\n",
        (TYPE_PARAMS,),
    ),
    "generic method": (
        "class A:\n    def m[T](self, x: T) -> T:\n        return x\n",
        (TYPE_PARAMS,),
    ),
    "type parameter default": ("def f[T = int](x: T) -> T:\n    return x\n", (TYPE_DEFAULTS,)),
    "except without parentheses": (
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
        (EXCEPT_LIST,),
    ),
    "except star without parentheses": (
        "try:\n    pass\nexcept* ValueError, TypeError:\n    pass\n",
        (EXCEPT_LIST,),
    ),
    "template string": ('name = "x"\nx = t"hi {name}"\n', (T_STRING,)),
    "several at once": (
        'x = f"{d["k"]}"\ntype A = int\ntry:\n    pass\nexcept A, B:\n    pass\n',
        (F_STRING, TYPE_ALIAS, EXCEPT_LIST),
    ),
}

#: Sources that no Python parses (or that this one does): never "needs a newer Python".
BROKEN: dict[str, str] = {
    "typo": "def f(:\n    pass\n",
    "unclosed parenthesis": "x = (1,\n",
    "empty f-string field": 'x = f"{}"\n',
    "bad f-string expression": 'x = f"{x +}"\n',
    "bad expression with nested quotes": 'x = f"{d["k"] +}"\n',
    "bad conversion": 'x = f"{d["k"]!z}"\n',
    "single closing brace": 'x = f"a}b{d["k"]}"\n',
    "unterminated f-string": 'x = f"{d["k"]}\n',
    "type alias without value": "type X =\n",
    "empty type parameters": "def f[](x):\n    pass\n",
    "unclosed type parameters": "def f[T(x):\n    pass\n",
    "bare star type parameter": "def f[*](x):\n    pass\n",
    "except list with as": "try:\n    pass\nexcept A, B as e:\n    pass\n",
    "python 2 print": 'print "hello"\n',
    "newer syntax and a typo": 'x = f"{d["k"]}"\ny = = 2\n',
    "generic def and a typo": "def f[T](x: T):\n    return x +\n",
    "commented-out newer syntax": "# def f[T](x): pass\nx = (\n",
    "newer syntax in a string": 's = "type X = int"\nx = (\n',
    "t prefix on a name": 'x = tt"hi"\n',
    # found by mutating the cases above: each once taken for newer syntax
    "string in a type alias name": "type V'ctr' = list[float]\n",
    "tuple as a type alias value": "type Vector = l, st[float]\n",
    "starred type alias value": "type Vector = *xs\n",
    "chained assignment in a type alias": "type V = ector = list[float]\n",
    "bound on a TypeVarTuple": "class C[T: (int, str), *Ts: int]:\n    pass\n",
    "name after type parameters": "async def f[T]x(x: T) -> T:\n    return x\n",
    "backslash in type parameters": "class Box[T\\]:\n    item: T\n",
    "field of a continuation and a comment": 'x = f"""{\\\n    # the value\n}"""\n',
    "backslash before a closing brace": "x = f'{f'{f'{1}'}'\\}'\n",
    "bad escape in a nested string": "x = f\"{'\\xn'.join(a)}\"\n",
    "bad escape in the literal part": 'x = f"\\d{d["k"]}\\xw"\n',
    "quote ending the string in a format spec": 'x = f"{d["k"]=!r:>"10}"\n',
    "backslash ending a field": 'x = f"{v:{d["w"]}.{p\\}}"\n',
}


def _error(source: str) -> SyntaxError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in the cases
        try:
            ast.parse(source)
        except SyntaxError as exc:
            return exc
    raise AssertionError("parses on this Python")


@needs_old
@pytest.mark.parametrize("name", sorted(NEWER))
def test_newer_syntax_is_recognised(name: str) -> None:
    source, features = NEWER[name]
    assert newer_syntax(source) == list(features)
    reason = newer_python_reason(source, _error(source))
    need = max(f.version for f in features)
    assert reason is not None
    assert reason.startswith(f"uses Python {need[0]}.{need[1]}+ syntax (")
    assert reason.endswith("this Python 3.11 cannot parse: run secgate on a newer Python")
    for feature in features:
        assert feature.name in reason


@needs_old
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_genuine_syntax_errors_are_not_put_down_to_newer_python(name: str) -> None:
    source = BROKEN[name]
    assert newer_python_reason(source, _error(source)) is None
    assert newer_syntax(source) == []


@needs_old
def test_the_reason_reads_as_the_gate_prints_it() -> None:
    source = NEWER["f-string nested same quotes"][0]
    assert newer_python_reason(source, _error(source)) == (
        "uses Python 3.12+ syntax (PEP 701 f-string) this Python 3.11 cannot parse: "
        "run secgate on a newer Python"
    )
    several = NEWER["several at once"][0]
    assert newer_python_reason(several, _error(several)) == (
        "uses Python 3.14+ syntax (PEP 695 type alias, PEP 701 f-string, PEP 758 except "
        "without parentheses) this Python 3.11 cannot parse: run secgate on a newer Python"
    )


@needs_old
@pytest.mark.parametrize("name", sorted(NEWER))
def test_none_when_the_running_python_is_new_enough(name: str) -> None:
    source, _ = NEWER[name]
    assert newer_python_reason(source, _error(source), running=(3, 14)) is None
    assert newer_syntax(source, running=(3, 15)) == []


@needs_old
def test_only_the_features_newer_than_the_running_python_count() -> None:
    source = NEWER["except without parentheses"][0]
    reason = newer_python_reason(source, _error(source), running=(3, 13))
    assert reason is not None
    assert "this Python 3.13 cannot parse" in reason
    # a 3.12 f-string is no excuse on 3.12: that Python would parse it
    fstring = NEWER["f-string nested same quotes"][0]
    assert newer_python_reason(fstring, _error(fstring), running=(3, 12)) is None


def test_source_that_parses_is_not_newer_syntax() -> None:
    assert newer_syntax("x = f'{a}'\ndef f(x):\n    return x\n") == []


@needs_old
def test_a_big_file_of_newer_f_strings_is_recognised_quickly() -> None:
    lines = [f'v{i} = f"{{d["k{i}"]}} and {{\'\\n\'.join(a)}}"' for i in range(3000)]
    source = "\n".join(["def f[T](x: T) -> T:", "    return x", *lines]) + "\n"
    started = time.monotonic()
    assert newer_syntax(source) == [F_STRING, TYPE_PARAMS]
    assert time.monotonic() - started < 10


# --------------------------------------------------------------------------- real Pythons


def _runs(python: str) -> bool:
    try:
        proc = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return False
    return proc.returncode == 0


@functools.cache
def _interpreter(version: str) -> str | None:
    """A working ``python<version>`` on this machine (a pyenv shim may not run), or None."""
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(p) for p in Path.home().glob(f".pyenv/versions/{version}*/bin/python3")]
    for candidate in candidates:
        if candidate and _runs(candidate):
            return candidate
    return None


_PARSE_ALL = (
    "import ast, json, sys\n"
    "out = {}\n"
    "for name, src in json.load(sys.stdin).items():\n"
    "    try:\n"
    "        ast.parse(src)\n"
    "        out[name] = True\n"
    "    except SyntaxError:\n"
    "        out[name] = False\n"
    "print(json.dumps(out))\n"
)


def _parsed_by(python: str, sources: dict[str, str]) -> dict[str, bool]:
    proc = subprocess.run(
        [python, "-c", _PARSE_ALL],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, bool] = json.loads(proc.stdout)
    return result


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_the_cases_agree_with_a_real_newer_python(version: str) -> None:
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    running = tuple(int(n) for n in version.split("."))
    parsed = _parsed_by(python, {k: src for k, (src, _) in NEWER.items()})
    for name, (_, features) in NEWER.items():
        expected = all(f.version <= running for f in features)
        assert parsed[name] is expected, (name, version)
    broken = _parsed_by(python, BROKEN)
    assert not any(broken.values()), [k for k, v in broken.items() if v]
