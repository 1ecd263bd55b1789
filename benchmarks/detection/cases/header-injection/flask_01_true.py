from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/trace")
def trace():
    resp = make_response({"status": "ok"})
    resp.headers["X-Trace-Id"] = request.args.get("trace", "")
    return resp
