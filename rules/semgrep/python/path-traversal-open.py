import os

from flask import Flask, request, send_file
from werkzeug.utils import secure_filename

app = Flask(__name__)


@app.route("/download")
def download():
    name = request.args.get("file")
    # ruleid: python-path-traversal-open
    return send_file(os.path.join("/srv/files", name))


@app.route("/read")
def read():
    # ruleid: python-path-traversal-open
    with open("/srv/files/" + request.args["name"]) as fh:
        return fh.read()


@app.route("/safe")
def safe():
    name = secure_filename(request.args.get("file", ""))
    # ok: python-path-traversal-open
    return send_file(os.path.join("/srv/files", name))


@app.route("/fixed")
def fixed():
    # ok: python-path-traversal-open
    with open("/srv/files/index.txt") as fh:
        return fh.read()
