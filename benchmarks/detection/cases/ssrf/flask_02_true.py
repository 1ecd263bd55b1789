import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/webhooks/test", methods=["POST"])
def test_webhook():
    target = request.form["webhook_url"]
    resp = requests.post(target, json={"event": "ping"}, timeout=5)
    return {"delivered": resp.ok}
