from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/echo")
def echo():
    return jsonify(message=request.args.get("msg", ""))
