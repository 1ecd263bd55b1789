import random

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/start")
def start():
    sid = "%032x" % random.getrandbits(128)
    resp = make_response({"started": True})
    resp.set_cookie("sid", sid, secure=True, httponly=True, samesite="Lax")
    return resp
