import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    url = request.args.get("url", "")
    url = "https://status.example.com/summary.json"
    return {"status": requests.get(url, timeout=5).status_code}
