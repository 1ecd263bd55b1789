import sys
import xml.etree.ElementTree as ET

from flask import Flask, request
from lxml import etree

app = Flask(__name__)
TREE = etree.parse("users.xml")


@app.route("/user")
def user():
    name = request.args.get("name")
    # ruleid: python-xpath-injection-taint
    found = TREE.xpath("//user[@name='" + name + "']")
    return str(len(found))


@app.route("/compiled")
def compiled():
    role = request.form["role"]
    # ruleid: python-xpath-injection-taint
    find_role = etree.XPath(f"//user[@role='{role}']/name/text()")
    return ",".join(find_role(TREE))


@app.route("/et/<uid>")
def et_find(uid):
    root = ET.parse("users.xml").getroot()
    # ruleid: python-xpath-injection-taint
    node = root.find(".//user[@id='%s']" % uid)
    # ruleid: python-xpath-injection-taint
    names = root.findall(".//user[@id='{}']/name".format(uid))
    return str(node) + str(names)


def django_view(request):
    path = request.GET.get("path", "")
    doc = etree.parse("catalog.xml")
    # ruleid: python-xpath-injection-taint
    return [e.text for e in doc.iterfind(path)]


def cli():
    tree = etree.parse(sys.argv[1])
    # ruleid: python-xpath-injection-taint
    print(tree.xpath(sys.argv[2]))


@app.route("/user-var")
def user_var():
    name = request.args.get("name")
    # ok: python-xpath-injection-taint
    found = TREE.xpath("//user[@name=$name]", name=name)
    find_user = etree.XPath("//user[@name=$name]")
    # ok: python-xpath-injection-taint
    found2 = find_user(TREE, name=name)
    return str(len(found) + len(found2))


@app.route("/user-id")
def user_id():
    uid = int(request.args["id"])
    # ok: python-xpath-injection-taint
    return str(TREE.xpath("//user[@id=%d]" % uid))


@app.route("/overwritten")
def overwritten():
    name = request.args.get("name")
    name = "admin"
    # ok: python-xpath-injection-taint
    return str(TREE.xpath("//user[@name='" + name + "']"))


@app.route("/constant")
def constant():
    root = ET.parse("users.xml").getroot()
    # ok: python-xpath-injection-taint
    return str(root.findall(".//user/name"))


@app.route("/text-search")
def text_search():
    q = request.args.get("q", "")
    text = "some long text"
    # ok: python-xpath-injection-taint
    return str(text.find(q))


class Catalog:
    def __init__(self):
        self.tree = ET.parse("catalog.xml")

    def lookup(self):
        sku = input()
        # ruleid: python-xpath-injection-taint
        return self.tree.find("./item[@sku='" + sku + "']")


def evaluator(tree):
    from lxml import etree

    find = etree.XPathEvaluator(tree)
    name = request.args.get("name", "")
    # ruleid: python-xpath-injection-taint
    hits = find("//user[@name='" + name + "']")
    # ok: python-xpath-injection-taint
    safe = find("//user[@name=$name]", name=name)
    return hits, safe
