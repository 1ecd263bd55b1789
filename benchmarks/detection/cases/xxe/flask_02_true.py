from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/feeds", methods=["POST"])
def upload_feed():
    parser = etree.XMLParser(resolve_entities=True, no_network=False)
    tree = etree.parse(request.files["feed"].stream, parser)
    return {"items": len(tree.getroot())}
