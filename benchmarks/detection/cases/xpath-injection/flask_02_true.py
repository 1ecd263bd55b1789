from flask import Flask, request
from lxml import etree

app = Flask(__name__)
USERS = etree.fromstring(b"<users><user name='ann' role='admin'/></users>")


@app.route("/login", methods=["POST"])
def login():
    name = request.form["name"]
    role = request.form["role"]
    matches = USERS.xpath("//user[@name='" + name + "' and @role='" + role + "']")
    return {"ok": bool(matches)}
