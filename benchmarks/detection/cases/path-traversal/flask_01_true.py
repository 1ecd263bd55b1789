import os

from flask import Flask, request

app = Flask(__name__)
BASE = "/srv/reports"


@app.route("/report")
def report():
    name = request.args.get("name", "")
    with open(os.path.join(BASE, name), encoding="utf-8") as handle:
        return {"lines": len(handle.readlines())}
