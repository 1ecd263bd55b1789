from flask import Flask, request
from lxml import etree

app = Flask(__name__)
DOC = etree.fromstring(b"<items><item sku='a1'>x</item></items>")


@app.route("/item")
def item():
    sku = request.args.get("sku", "")
    hits = [el for el in DOC.iter("item") if el.get("sku") == sku]
    return {"found": len(hits)}
