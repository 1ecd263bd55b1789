import hashlib

from flask import Flask, request

app = Flask(__name__)
USERS: dict[str, str] = {}


@app.route("/register", methods=["POST"])
def register():
    password = request.form["password"]
    USERS[request.form["username"]] = hashlib.md5(password.encode()).hexdigest()
    return {"created": True}
