from urllib.parse import urlparse

import requests
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED_HOSTS = {"images.example-cdn.com", "static.example.com"}


@app.route("/avatar/import")
def import_avatar():
    url = request.args.get("src", "")
    parts = urlparse(url)
    if parts.scheme != "https" or parts.hostname not in ALLOWED_HOSTS:
        abort(400)
    return {"bytes": len(requests.get(url, timeout=5).content)}
