import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.route("/impersonate")
def impersonate():
    session["user"] = request.args.get("user", "")
    return {"ok": True}
