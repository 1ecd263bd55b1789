import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.route("/profile", methods=["POST"])
def profile():
    session["role"] = request.form.get("role", "viewer")
    return {"saved": True}
