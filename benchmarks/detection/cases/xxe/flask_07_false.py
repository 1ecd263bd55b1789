from defusedxml import lxml as safe_lxml
from flask import Flask, request

app = Flask(__name__)


@app.route("/soap", methods=["POST"])
def soap():
    envelope = safe_lxml.fromstring(request.get_data())
    return {"tag": envelope.tag}
