from flask import Flask, request
from lxml import etree

app = Flask(__name__)
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@app.route("/feeds", methods=["POST"])
def upload_feed():
    tree = etree.parse(request.files["feed"].stream, PARSER)
    return {"items": len(tree.getroot())}
