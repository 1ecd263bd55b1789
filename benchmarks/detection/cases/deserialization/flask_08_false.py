import torch
from flask import Flask, request

app = Flask(__name__)


@app.route("/models", methods=["POST"])
def upload_model():
    weights = torch.load(request.files["model"].stream, weights_only=True)
    return {"tensors": len(weights)}
