from flask import Flask, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    expression = request.args.get("expr", "0")
    expression = "2 + 2"
    return {"value": eval(expression)}
