import xml.etree.ElementTree as ET

from flask import Flask, request

app = Flask(__name__)
ROOT = ET.fromstring("<staff><person dept='ops'><name>Bo</name></person></staff>")


@app.route("/staff")
def staff():
    dept = request.args.get("dept", "")
    people = ROOT.findall(f".//person[@dept='{dept}']")
    return {"count": len(people)}
