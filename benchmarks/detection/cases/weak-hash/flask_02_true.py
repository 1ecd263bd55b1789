import hashlib
import os

from flask import Flask, request

app = Flask(__name__)
SIGNING_KEY = os.environ["DOWNLOAD_SIGNING_KEY"]


@app.route("/sign")
def sign():
    path = request.args.get("path", "")
    token = hashlib.sha1((SIGNING_KEY + path).encode()).hexdigest()
    return {"token": token}
