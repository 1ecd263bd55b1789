import codecs
import io
import os
import pathlib
import shutil
from pathlib import Path

from django.http import FileResponse
from fastapi import FastAPI
from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
BASE = "/srv/files"
REPORTS = {"q1": "reports/q1.pdf", "q2": "reports/q2.pdf"}


def flask_read():
    name = request.args.get("name")
    # ruleid: python-path-traversal-taint
    open(os.path.join(BASE, name)).read()
    # ruleid: python-path-traversal-taint
    io.open(name, encoding="utf-8")
    # ruleid: python-path-traversal-taint
    codecs.open(BASE + "/" + name, "r", "utf-8")
    # ruleid: python-path-traversal-taint
    pathlib.Path(BASE, name).read_text()
    target = Path(BASE) / name
    # ruleid: python-path-traversal-taint
    target.write_text("x")
    # ok: python-path-traversal-taint
    open(os.path.join(BASE, secure_filename(name))).read()
    # ok: python-path-traversal-taint
    Path(BASE, os.path.basename(name)).read_bytes()
    # ok: python-path-traversal-taint
    open(os.path.join(BASE, REPORTS[name]))
    name = "index.txt"
    # ok: python-path-traversal-taint
    open(os.path.join(BASE, name))
    # ok: python-path-traversal-taint
    open("/srv/files/static.txt")


def checked_prefix():
    name = request.form["name"]
    full = os.path.realpath(os.path.join(BASE, name))
    if not full.startswith(BASE + os.sep):
        abort(404)
    # ok: python-path-traversal-taint
    return open(full).read()


def checked_resolve():
    wanted = Path(BASE, request.form["name"]).resolve()
    if not wanted.is_relative_to(BASE):
        raise PermissionError(wanted)
    # ok: python-path-traversal-taint
    return wanted.read_text()


@app.route("/files/<path:filename>")
def send(filename):
    # ruleid: python-path-traversal-taint
    send_file(os.path.join(BASE, filename))
    # ok: python-path-traversal-taint
    send_from_directory(BASE, filename)
    # ruleid: python-path-traversal-taint
    send_from_directory(os.path.join(BASE, request.args["dir"]), "index.html")


def delete(request):
    victim = request.POST["path"]
    # ruleid: python-path-traversal-taint
    os.remove(victim)
    # ruleid: python-path-traversal-taint
    shutil.rmtree(os.path.join(BASE, victim))
    # ruleid: python-path-traversal-taint
    os.listdir(request.GET["dir"])
    # ruleid: python-path-traversal-taint
    shutil.move("/tmp/upload", victim)
    # ruleid: python-path-traversal-taint
    return FileResponse(open(request.GET["f"], "rb"))


def upload():
    upload_file = request.files["doc"]
    # ruleid: python-path-traversal-taint
    upload_file.save(os.path.join(BASE, upload_file.filename))
    # ok: python-path-traversal-taint
    upload_file.save(os.path.join(BASE, secure_filename(upload_file.filename)))


@api.get("/logs/{day}")
async def logs(day: str):
    # ruleid: python-path-traversal-taint
    return Path("/var/log/app", day).read_text()


@app.route("/dl/<name>")
def starlette_download_view(name):
    from fastapi.responses import FileResponse

    # ruleid: python-path-traversal-taint
    return FileResponse("/srv/files/" + name)
