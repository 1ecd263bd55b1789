import subprocess

from flask import Flask

app = Flask(__name__)


@app.route("/resolve/<name>")
def resolve(name):
    output = subprocess.getoutput(f"host {name}")
    return {"lines": len(output.splitlines())}
