from flask import Flask, request

app = Flask(__name__)


@app.route("/upload", methods=["POST"])
def upload():
    uploaded = request.files["document"]
    uploaded.save("/srv/uploads/" + uploaded.filename)
    return {"stored": True}
