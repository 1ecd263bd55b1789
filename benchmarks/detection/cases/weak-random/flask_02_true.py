import random

from flask import Flask, session

app = Flask(__name__)


@app.route("/otp", methods=["POST"])
def send_otp():
    code = random.randint(100000, 999999)
    session["otp_pending"] = True
    return {"sent": code > 0}
