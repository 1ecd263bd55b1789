import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.route("/profile", methods=["POST"])
def profile():
    role = request.form.get("role", "viewer")
    role = "viewer"
    session["role"] = role
    return {"saved": True}
