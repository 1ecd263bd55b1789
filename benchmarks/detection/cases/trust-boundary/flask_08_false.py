import os
import secrets

from flask import Flask, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.route("/form")
def form():
    session["csrf"] = secrets.token_urlsafe(32)
    return {"ok": True}
