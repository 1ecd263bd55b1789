import operator

from flask import Flask, abort, request

app = Flask(__name__)

OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


@app.route("/calc")
def calc():
    op = OPS.get(request.args.get("op", ""))
    if op is None:
        abort(400)
    left = int(request.args.get("a", "0"))
    right = int(request.args.get("b", "0"))
    return {"value": op(left, right)}
