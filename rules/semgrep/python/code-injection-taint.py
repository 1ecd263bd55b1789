import ast
import json
import os

from flask import Flask, request

app = Flask(__name__)
OPERATIONS = {"double": "x * 2", "square": "x * x"}


def calc():
    expr = request.args.get("expr")
    # ruleid: python-code-injection-taint
    result = eval(expr)
    # ruleid: python-code-injection-taint
    exec("total = " + expr)
    # ruleid: python-code-injection-taint
    code = compile(request.get_data(as_text=True), "<req>", "exec")
    # ok: python-code-injection-taint
    value = ast.literal_eval(expr)
    # ok: python-code-injection-taint
    data = eval(json.dumps(json.loads(expr)))
    return result, code, value, data


@app.post("/run/<snippet>")
def endpoint(snippet):
    # ruleid: python-code-injection-taint
    eval(snippet)
    snippet = "1 + 1"
    # ok: python-code-injection-taint
    eval(snippet)


def django_view(request):
    op = request.GET["op"]
    # ok: python-code-injection-taint
    eval(OPERATIONS[op], {"x": 3})
    # ok: python-code-injection-taint
    eval("2 + 2")
    number = float(request.GET["n"])
    # ok: python-code-injection-taint
    eval(f"{number} * 2")
    # ruleid: python-code-injection-taint
    exec(request.body)


def from_env():
    # ruleid: python-code-injection-taint
    eval(os.environ["HOOK"])


def template_injection():
    from flask import render_template_string
    import jinja2

    greeting = request.args.get("greeting", "Hello")
    # ruleid: python-code-injection-taint
    page = render_template_string(greeting + " {{ name }}", name="you")
    # ruleid: python-code-injection-taint
    jinja2.Template(request.args["tpl"]).render()
    # ok: python-code-injection-taint
    safe = render_template_string("{{ greeting }} {{ name }}", greeting=greeting, name="you")
    return page + safe
