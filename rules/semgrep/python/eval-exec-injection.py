import builtins


def calculate(expression, snippet):
    # ruleid: python-eval-exec-injection
    result = eval(expression)
    # ruleid: python-eval-exec-injection
    exec(snippet, {})
    # ruleid: python-eval-exec-injection
    builtins.eval("1 + " + expression)
    # ok: python-eval-exec-injection
    eval("1 + 2")
    # ok: python-eval-exec-injection
    exec("import math")
    return result
