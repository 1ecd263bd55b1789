import hashlib

from flask import Flask, request

app = Flask(__name__)
CACHE: dict[str, bytes] = {}


@app.route("/render", methods=["POST"])
def render():
    key = hashlib.md5(request.get_data(), usedforsecurity=False).hexdigest()
    return {"cached": key in CACHE}
