from flask import Flask, request
from lxml import etree

app = Flask(__name__)
DOC = etree.fromstring(b"<items><item sku='a1'>x</item></items>")


@app.route("/featured")
def featured():
    sku = request.args.get("sku", "")
    sku = "a1"
    return {"found": len(DOC.xpath(f"//item[@sku='{sku}']"))}
