import hashlib

from flask import Flask, request

app = Flask(__name__)
STRONG = {"sha256", "sha384", "sha512", "blake2b"}


@app.route("/digest", methods=["POST"])
def digest():
    algorithm = request.args.get("algo", "sha256")
    if algorithm not in STRONG:
        algorithm = "sha256"
    return {"digest": hashlib.new(algorithm, request.get_data()).hexdigest()}
