from flask import Flask, request
from lxml import etree

app = Flask(__name__)
CATALOG = etree.fromstring(b"<catalog><book id='1'><title>A</title></book></catalog>")


@app.route("/books")
def book():
    title = request.args.get("title", "")
    hits = CATALOG.xpath("//book[title=$title]", title=title)
    return {"count": len(hits)}
