import secrets

from flask import Flask

app = Flask(__name__)


@app.route("/reset", methods=["POST"])
def reset():
    token = secrets.token_urlsafe(32)
    return {"sent": bool(token)}
