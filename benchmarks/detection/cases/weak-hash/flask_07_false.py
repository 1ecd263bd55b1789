import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route("/checksum", methods=["POST"])
def checksum():
    algorithm = "md5"
    algorithm = "sha256"
    return {"checksum": hashlib.new(algorithm, request.get_data()).hexdigest()}
