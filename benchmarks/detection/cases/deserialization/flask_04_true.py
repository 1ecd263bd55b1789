import torch
from flask import Flask, request

app = Flask(__name__)


@app.route("/models", methods=["POST"])
def upload_model():
    model = torch.load(request.files["model"].stream)
    return {"type": type(model).__name__}
