from defusedxml import ElementTree
from flask import Flask, request

app = Flask(__name__)


@app.route("/import", methods=["POST"])
def import_xml():
    root = ElementTree.fromstring(request.data)
    return {"children": len(root)}
