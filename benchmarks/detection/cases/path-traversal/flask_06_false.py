import os

from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
BASE = "/srv/reports"


@app.route("/report")
def report():
    name = secure_filename(request.args.get("name", ""))
    with open(os.path.join(BASE, name), encoding="utf-8") as handle:
        return {"lines": len(handle.readlines())}
