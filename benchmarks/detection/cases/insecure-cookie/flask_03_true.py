import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/auth", methods=["POST"])
def auth():
    resp = make_response({"ok": True})
    resp.set_cookie("auth", secrets.token_urlsafe(24), httponly=True, max_age=3600)
    return resp
