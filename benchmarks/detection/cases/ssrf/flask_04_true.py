import urllib.request

from flask import Flask, request

app = Flask(__name__)


@app.route("/avatar/import")
def import_avatar():
    url = request.args.get("src", "")
    with urllib.request.urlopen(url, timeout=5) as resp:
        return {"bytes": len(resp.read())}
