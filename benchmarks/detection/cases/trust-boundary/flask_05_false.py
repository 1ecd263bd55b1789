import os

from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
THEMES = {"light", "dark"}


@app.route("/theme")
def theme():
    choice = request.args.get("theme", "light")
    session["theme"] = choice if choice in THEMES else "light"
    return {"ok": True}
