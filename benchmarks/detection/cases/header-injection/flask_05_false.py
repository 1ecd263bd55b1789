from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/trace")
def trace():
    value = request.args.get("trace", "").replace("\r", "").replace("\n", "")
    resp = make_response({"status": "ok"})
    resp.headers["X-Trace-Id"] = value
    return resp
