import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/dns", methods=["POST"])
def dns_lookup():
    domain = request.form["domain"]
    result = subprocess.run(f"nslookup {domain}", shell=True, capture_output=True, check=False)
    return {"exit_code": result.returncode}
