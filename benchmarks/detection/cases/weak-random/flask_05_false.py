import secrets

from flask import Flask

app = Flask(__name__)


@app.route("/otp", methods=["POST"])
def send_otp():
    code = 100000 + secrets.randbelow(900000)
    return {"sent": code > 0}
