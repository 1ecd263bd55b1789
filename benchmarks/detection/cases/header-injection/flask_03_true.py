from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/prefs", methods=["POST"])
def prefs():
    resp = make_response({"saved": True})
    resp.headers.add("X-Preferred-Language", request.form["lang"])
    return resp
