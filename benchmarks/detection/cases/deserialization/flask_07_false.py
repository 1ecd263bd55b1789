import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/rules", methods=["POST"])
def upload_rules():
    rules = yaml.load(request.get_data(), Loader=yaml.SafeLoader)
    return {"rules": len(rules)}
