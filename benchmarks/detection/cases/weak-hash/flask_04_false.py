import hashlib
import os

from flask import Flask, request

app = Flask(__name__)
USERS: dict[str, bytes] = {}


@app.route("/register", methods=["POST"])
def register():
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", request.form["password"].encode(), salt, 600_000)
    USERS[request.form["username"]] = salt + digest
    return {"created": True}
