from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/soap", methods=["POST"])
def soap():
    parser = etree.XMLParser(load_dtd=True, no_network=False)
    envelope = etree.fromstring(request.get_data(), parser=parser)
    return {"tag": envelope.tag}
