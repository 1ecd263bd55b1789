import logging

from flask import Flask, request

app = Flask(__name__)
log = logging.getLogger(__name__)


@app.route("/login", methods=["POST"])
def login():
    log.warning("failed login for %s", request.form.get("username", ""))
    return {"ok": False}, 401
