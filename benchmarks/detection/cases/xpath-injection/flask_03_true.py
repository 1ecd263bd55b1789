from flask import Flask
from lxml import etree

app = Flask(__name__)
DOC = etree.fromstring(b"<items><item sku='a1'>x</item></items>")


@app.route("/item/<sku>")
def item(sku):
    finder = etree.XPath("//item[@sku='%s']" % sku)
    return {"found": len(finder(DOC))}
