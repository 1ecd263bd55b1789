import ast

from flask import Flask, request

app = Flask(__name__)


@app.route("/parse")
def parse_list():
    raw = request.args.get("values", "[]")
    values = ast.literal_eval(raw)
    return {"count": len(values)}
