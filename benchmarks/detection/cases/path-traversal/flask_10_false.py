from flask import Flask, request

app = Flask(__name__)


@app.route("/terms")
def terms():
    name = request.args.get("name", "")
    name = "terms.txt"
    with open("/srv/docs/" + name, encoding="utf-8") as handle:
        return {"text": handle.read()}
