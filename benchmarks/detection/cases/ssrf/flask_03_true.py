import httpx
from flask import Flask, request

app = Flask(__name__)


@app.route("/health", methods=["POST"])
def health():
    host = request.json["host"]
    resp = httpx.get(f"http://{host}/healthz", timeout=5)
    return {"healthy": resp.status_code == 200}
