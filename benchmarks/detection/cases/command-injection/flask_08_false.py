import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/dns")
def dns_lookup():
    domain = request.args.get("domain", "")
    if False:
        subprocess.run(f"nslookup {domain}", shell=True, check=False)
    return {"status": "disabled"}
