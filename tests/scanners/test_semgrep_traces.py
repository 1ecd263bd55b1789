# ruff: noqa: E501
"""Unit tests of the semgrep taint-trace verifier (issue 16 section 1b)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import secgate
from secgate.config import Config
from secgate.scanners.semgrep import find_binary
from secgate.traces import Disproved, Unknown, verify

HEAD = "import os\nfrom flask import request, abort\n"


def check(body: str) -> Disproved | Unknown:
    source = HEAD + textwrap.dedent(body)
    lines = source.splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "# sink" in text)
    return verify(source, line)


DISPROVED = {
    "if-false": "def f():\n    if False:\n        os.system(request.args['c'])  # sink\n",
    "arith": "def f():\n    if 5 * 3 < 10:\n        os.system(request.args['c'])  # sink\n",
    "and-false": "DEBUG = True\ndef f():\n    if DEBUG and False:\n        os.system(request.args['c'])  # sink\n",
    "bound-once": "LIMIT = 5\ndef f():\n    if LIMIT * 3 < 10:\n        os.system(request.args['c'])  # sink\n",
    "local-once": "def f():\n    limit = 5\n    if limit * 3 < 10:\n        os.system(request.args['c'])  # sink\n",
    "while-0": "def f():\n    while 0:\n        os.system(request.args['c'])  # sink\n",
    "ifexp": "def f():\n    os.system(request.args['c'] if False else 'n/a')  # sink\n",
    "elif": "def f(x):\n    if x:\n        pass\n    elif 1 > 2:\n        os.system(request.args['c'])  # sink\n",
    "else-of-true": "def f():\n    if 2 > 1:\n        pass\n    else:\n        os.system(request.args['c'])  # sink\n",
    "dead-assign": "def f():\n    cmd = 'ls'\n    if 1 + 1 == 3:\n        cmd = request.args['c']\n    os.system(cmd)  # sink\n",
    "list-index": "def f():\n    items = ['ls']\n    items.append(request.args['c'])\n    os.system(items[0])  # sink\n",
    "list-pop": "def f():\n    items = ['ls']\n    items.append(request.args['c'])\n    items.pop()\n    os.system(items.pop())  # sink\n",
    "dict-key": "def f():\n    d = {'safe': 'ls', 'user': request.args['c']}\n    os.system(d['safe'])  # sink\n",
    "dict-get": "def f():\n    d = {'safe': 'ls', 'user': request.args['c']}\n    os.system(d.get('safe'))  # sink\n",
    "guard-abort": "def f():\n    x = request.args['c']\n    if x not in ('a', 'b'):\n        abort(400)\n    os.system(x)  # sink\n",
    "guard-return": "def f():\n    x = request.args['c']\n    if x not in ['a', 'b']:\n        return 'no'\n    os.system(x)  # sink\n",
    "guard-raise": "def f():\n    x = request.args['c']\n    if x != 'a':\n        raise ValueError(x)\n    os.system(x)  # sink\n",
    "inside-in": "def f():\n    x = request.args['c']\n    if x in {'a', 'b'}:\n        os.system(x)  # sink\n",
    "inside-eq": "def f():\n    x = request.args['c']\n    if x == 'a':\n        os.system(x)  # sink\n",
}

KEPT = {
    "reassigned": "LIMIT = 5\nLIMIT = 1\ndef f():\n    if LIMIT * 3 < 10:\n        os.system(request.args['c'])  # sink\n",
    "augmented": "LIMIT = 5\nLIMIT += 0\ndef f():\n    if LIMIT > 10:\n        os.system(request.args['c'])  # sink\n",
    "global": "LIMIT = 5\ndef g():\n    global LIMIT\ndef f():\n    if LIMIT > 10:\n        os.system(request.args['c'])  # sink\n",
    "parameter": "def f(limit=5):\n    if limit * 3 < 10:\n        os.system(request.args['c'])  # sink\n",
    "call-in-test": "def f():\n    if len('ab') > 5:\n        os.system(request.args['c'])  # sink\n",
    "env-debug": "DEBUG = os.environ.get('DEBUG')\ndef f():\n    if DEBUG:\n        os.system(request.args['c'])  # sink\n",
    "for-target": "LIMIT = 5\nfor LIMIT in range(3):\n    pass\ndef f():\n    if LIMIT > 10:\n        os.system(request.args['c'])  # sink\n",
    "walrus": "LIMIT = 5\ndef f():\n    if (LIMIT := 20) > 10:\n        os.system(request.args['c'])  # sink\n",
    "live-branch": "def f():\n    if 5 * 3 > 10:\n        os.system(request.args['c'])  # sink\n",
    "while-true": "def f():\n    while True:\n        os.system(request.args['c'])  # sink\n",
    "live-assign": "def f(flag):\n    cmd = 'ls'\n    if flag:\n        cmd = request.args['c']\n    os.system(cmd)  # sink\n",
    "list-tainted-index": "def f():\n    items = ['ls']\n    items.append(request.args['c'])\n    os.system(items[1])  # sink\n",
    "pop-last": "def f():\n    items = ['ls']\n    items.append(request.args['c'])\n    os.system(items.pop())  # sink\n",
    "list-passed": "def f():\n    items = ['ls']\n    items.append(request.args['c'])\n    items.reverse()\n    os.system(items[0])  # sink\n",
    "list-alias": "def f():\n    items = ['ls']\n    other = items\n    other.insert(0, request.args['c'])\n    os.system(items[0])  # sink\n",
    "list-to-call": "def f():\n    items = ['ls']\n    fill(items)\n    os.system(items[0])  # sink\n",
    "list-loop": "def f():\n    items = ['ls']\n    for v in request.args:\n        items.insert(0, v)\n    os.system(items[0])  # sink\n",
    "dict-user": "def f():\n    d = {'safe': 'ls', 'user': request.args['c']}\n    os.system(d['user'])  # sink\n",
    "dict-stored": "def f():\n    d = {'safe': 'ls'}\n    d['safe'] = request.args['c']\n    os.system(d['safe'])  # sink\n",
    "guard-no-exit": "def f():\n    x = request.args['c']\n    if x not in ('a', 'b'):\n        print('bad')\n    os.system(x)  # sink\n",
    "guard-then-reassign": "def f():\n    x = request.args['c']\n    if x not in ('a', 'b'):\n        return\n    x = request.args['d']\n    os.system(x)  # sink\n",
    "inside-not-in": "def f():\n    x = request.args['c']\n    if x not in {'a', 'b'}:\n        os.system(x)  # sink\n",
    "inside-reassigned": "def f():\n    x = request.args['c']\n    if x == 'a':\n        x = request.args['d']\n        os.system(x)  # sink\n",
    "nested-function": "def f():\n    def g():\n        if False:\n            os.system(request.args['c'])  # sink\n",
    "tainted-receiver": "def f(path):\n    os.system(path.read_text('utf-8'))  # sink\n",
    "bound-callee": "def f():\n    run = request.args['c']\n    os.system(run.strip())  # sink\n",
    "plain-flow": "def f():\n    os.system(request.args['c'])  # sink\n",
    "dynamic": "LIMIT = 5\nglobals()['LIMIT'] = 50\ndef f():\n    if LIMIT > 10:\n        os.system(request.args['c'])  # sink\n",
}


@pytest.mark.parametrize("case", sorted(DISPROVED))
def test_disproved(case: str) -> None:
    outcome = check(DISPROVED[case])
    assert isinstance(outcome, Disproved), outcome
    assert "line " in outcome.reason


@pytest.mark.parametrize("case", sorted(KEPT))
def test_kept(case: str) -> None:
    outcome = check(KEPT[case])
    assert isinstance(outcome, Unknown), outcome


def test_reason_names_line_and_proof() -> None:
    outcome = check(DISPROVED["arith"])
    assert outcome == Disproved(
        "line 5 is on a branch that cannot run: `5 * 3 < 10` is always False"
    )


def test_syntax_error_is_unknown() -> None:
    assert isinstance(verify("def f(:\n    os.system(x)\n", 2), Unknown)


def test_line_outside_file_is_unknown() -> None:
    assert isinstance(verify("x = 1\n", 40), Unknown)


def test_ifexp_live_arm_on_same_line_is_kept() -> None:
    outcome = check("def f():\n    os.system(request.args['c'] if True else 'n/a')  # sink\n")
    assert isinstance(outcome, Unknown), outcome


def test_sink_in_header_of_dead_one_liner_is_kept() -> None:
    outcome = check("def f():\n    if os.system(request.args['c']) and False: print(1)  # sink\n")
    assert isinstance(outcome, Unknown), outcome


def test_a_method_of_a_tainted_receiver_is_kept_when_it_is_the_sink() -> None:
    source = HEAD + "def f(path):\n    yaml.load(path.read_text('utf-8'))\n"
    assert isinstance(verify(source, 4, 4, start_col=15, end_col=38), Unknown)


def test_columns_locate_the_sink() -> None:
    source = HEAD + "def f():\n    if False: os.system(request.args['c'])\n"
    outcome = verify(source, 4, 4, start_col=15, end_col=43)
    assert isinstance(outcome, Disproved), outcome
    assert isinstance(verify(source, 4, 4, start_col=1, end_col=2), Unknown)


def test_method_of_a_class_is_analysed() -> None:
    outcome = check(
        "class V:\n    def get(self):\n        if False:\n            os.system(request.args['c'])  # sink\n"
    )
    assert isinstance(outcome, Disproved), outcome


def test_class_attribute_is_not_a_constant_of_the_method() -> None:
    outcome = check(
        "class V:\n    LIMIT = 5\n    def get(self):\n        if LIMIT > 10:\n            os.system(request.args['c'])  # sink\n"
    )
    assert isinstance(outcome, Unknown), outcome


APP = """\
import os

from flask import Flask, request

app = Flask(__name__)
LIMIT = 5


@app.route("/dead")
def dead():
    cmd = request.args["c"]
    if LIMIT * 3 < 10:
        os.system(cmd)
    return "ok"


@app.route("/live")
def live():
    os.system(request.args["c"])
    return "ok"
"""


@pytest.mark.skipif(find_binary() is None, reason="semgrep is not installed")
def test_real_semgrep_and_pack_disprove_the_dead_branch_and_keep_the_flow(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text(APP)
    verdict = secgate.check(tmp_path, scanners=["semgrep"], config=Config(cache=False))
    taint = [f for f in verdict.findings if f.properties.get("evidence") == "taint"]
    dead = [f for f in taint if f.line == 13]
    live = [f for f in taint if f.line == 19]
    assert dead and live
    for finding in dead:
        assert finding.properties["trace_check"] == "disproved"
        assert finding.suppressed_by == "disproved" and not finding.blocking
        assert "line 13 is on a branch that cannot run: `LIMIT * 3 < 10` is always False" in str(
            finding.decided_by
        )
    assert any(f.blocking and f.properties["trace_check"] == "kept" for f in live)
    assert verdict.status is secgate.VerdictStatus.FAIL


def check_exact(body: str, value: str) -> Disproved | Unknown:
    """As semgrep reports a focused sink: the columns of the value that reaches it."""
    source = HEAD + textwrap.dedent(body)
    lines = source.splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "# sink" in text)
    col = lines[line - 1].index(value) + 1
    return verify(source, line, line, col, col + len(value))


def test_a_focused_call_that_reads_the_request_is_not_constant_for_its_constant_arguments() -> None:
    # request.args.get("user", "") has constant arguments, but its value is the request's
    outcome = check_exact(
        "from flask import session\ndef f():\n    session['user'] = request.args.get('user', '')  # sink\n",
        "request.args.get('user', '')",
    )
    assert isinstance(outcome, Unknown), outcome
    outcome = check_exact(
        "def f():\n    os.system(os.environ.get('CMD', 'ls'))  # sink\n",
        "os.environ.get('CMD', 'ls')",
    )
    assert isinstance(outcome, Unknown), outcome


def test_a_focused_value_from_a_literal_container_or_a_pure_builtin_is_constant() -> None:
    body = "def f():\n    d = {'safe': 'ls', 'user': request.args['c']}\n    os.system(d.get('safe'))  # sink\n"
    assert isinstance(check_exact(body, "d.get('safe')"), Disproved)
    body = "def f():\n    os.system(str(5))  # sink\n"
    assert isinstance(check_exact(body, "str(5)"), Disproved)


def test_a_name_bound_to_a_constant_element_and_an_f_string_of_it_are_constant() -> None:
    body = (
        "def f():\n    candidates = [request.args['p']]\n    candidates.append('index.html')\n"
        "    chosen = candidates.pop()\n    open(f'/srv/public/{chosen}')  # sink\n"
    )
    outcome = check_exact(body, "f'/srv/public/{chosen}'")
    assert isinstance(outcome, Disproved), outcome
    # the tainted element: kept
    tainted = body.replace("    candidates.append('index.html')\n", "")
    assert isinstance(check_exact(tainted, "f'/srv/public/{chosen}'"), Unknown)
    # a name bound twice, or from an unknown call: kept
    twice = body.replace("    open(", "    chosen = request.args['q']\n    open(")
    assert isinstance(check_exact(twice, "f'/srv/public/{chosen}'"), Unknown)
    table = "def f():\n    names = {'asked': request.args['n'], 'default': 'README.md'}\n    name = names['default']\n    os.system('cat ' + name)  # sink\n"
    assert isinstance(check_exact(table, "'cat ' + name"), Disproved)
    asked = table.replace("names['default']", "names['asked']")
    assert isinstance(check_exact(asked, "'cat ' + name"), Unknown)
