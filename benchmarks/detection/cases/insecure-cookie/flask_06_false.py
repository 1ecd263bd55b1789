import secrets

from flask import Flask, make_response

app = Flask(__name__)
COOKIE_FLAGS = {"secure": True, "httponly": True, "samesite": "Strict"}


@app.route("/remember", methods=["POST"])
def remember():
    resp = make_response({"ok": True})
    resp.set_cookie("remember_token", secrets.token_hex(16), **COOKIE_FLAGS)
    return resp
