"""HTTP routes. Each handler makes a classic mistake on purpose."""

import pickle
import subprocess

import requests
import yaml
from flask import Flask, redirect, render_template_string, request

from insecure_app import db, storage

app = Flask(__name__)
app.secret_key = "change-me"  # hard-coded session key (placeholder, still wrong)


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    # Command injection: the host goes through a shell.
    return subprocess.check_output("ping -c 1 " + host, shell=True)


@app.route("/calc")
def calc():
    # Code injection: arbitrary Python from the query string.
    return str(eval(request.args.get("expr", "1+1")))


@app.route("/import", methods=["POST"])
def import_settings():
    # Unsafe deserialization: YAML tags and pickle both run code.
    settings = yaml.load(request.data)
    session = pickle.loads(request.files["session"].read())
    return {"settings": str(settings), "session": str(session)}


@app.route("/users")
def users():
    return {"users": db.find_users(request.args.get("name", ""))}


@app.route("/login")
def login():
    # Open redirect: any site can be the target.
    return redirect(request.args.get("next"))


@app.route("/preview")
def preview():
    url = request.args.get("url")
    # SSRF, and TLS verification turned off on top.
    return requests.get(url, verify=False, timeout=5).text


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # Server-side template injection.
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/upload", methods=["POST"])
def upload():
    return {"files": storage.unpack(request.files["archive"])}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000, debug=True)
