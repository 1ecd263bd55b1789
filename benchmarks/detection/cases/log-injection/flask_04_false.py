import logging

from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.route("/login", methods=["POST"])
def login():
    username = request.form.get("username", "").replace("\r", "").replace("\n", "")
    log.warning("failed login for %s", username)
    return {"ok": False}, 401
