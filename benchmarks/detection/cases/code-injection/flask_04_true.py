from flask import Flask, request

app = Flask(__name__)


@app.route("/rules", methods=["POST"])
def add_rule():
    body = request.get_json()
    code = compile(body["rule"], "<rule>", "exec")
    exec(code, {})
    return {"status": "loaded"}
