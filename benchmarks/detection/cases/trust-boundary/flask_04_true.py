import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.route("/prefs", methods=["POST"])
def prefs():
    session.update(request.get_json())
    return {"saved": True}
