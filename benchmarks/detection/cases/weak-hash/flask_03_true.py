import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route("/digest", methods=["POST"])
def digest():
    algorithm = request.args.get("algo", "md5")
    return {"digest": hashlib.new(algorithm, request.get_data()).hexdigest()}
