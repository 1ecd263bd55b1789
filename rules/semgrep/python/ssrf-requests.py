import urllib.request

import requests
from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    url = request.args.get("url")
    # ruleid: python-ssrf-user-url
    page = requests.get(url, timeout=5)
    # ruleid: python-ssrf-user-url
    data = urllib.request.urlopen(request.form["feed"]).read()
    # ok: python-ssrf-user-url
    fixed = requests.get("https://api.example.org/status", timeout=5)
    # ok: python-ssrf-user-url
    tagged = requests.get("https://api.example.org/items", params={"q": url}, timeout=5)
    return page.text, data, fixed.text, tagged.text


@app.route("/proxy")
def proxy():
    target = request.args["target"]
    with requests.Session() as session:
        # ruleid: python-ssrf-user-url
        upstream = session.get(target, timeout=5)
    # ok: python-ssrf-user-url
    return redirect(request.args.get("next")), upstream.text
