from flask import Flask, request

app = Flask(__name__)


@app.route("/hooks", methods=["POST"])
def run_hook():
    source = request.form["code"]
    namespace = {}
    exec(source, namespace)
    return {"names": sorted(namespace)}
