from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.fromstring(b"<users><user name='ann' role='admin'/></users>")
FIND = etree.XPath("//user[@name=$name and @role=$role]")


@app.route("/login", methods=["POST"])
def login():
    matches = FIND(USERS, name=request.form["name"], role=request.form["role"])
    return {"ok": bool(matches)}
