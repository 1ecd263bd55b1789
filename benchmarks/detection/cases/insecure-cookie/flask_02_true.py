import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/remember", methods=["POST"])
def remember():
    resp = make_response({"ok": True})
    resp.set_cookie("remember_token", secrets.token_hex(16), secure=True, samesite="Lax")
    return resp
