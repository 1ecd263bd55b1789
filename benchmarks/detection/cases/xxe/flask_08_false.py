import xml.sax
from xml.sax.handler import feature_external_ges, feature_external_pes

from flask import Flask, request

app = Flask(__name__)


@app.route("/count", methods=["POST"])
def count():
    handler = xml.sax.ContentHandler()
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, False)
    parser.setFeature(feature_external_pes, False)
    parser.setContentHandler(handler)
    parser.feed(request.data)
    parser.close()
    return {"status": "parsed"}
