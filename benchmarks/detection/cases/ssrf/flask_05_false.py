import requests
from flask import Flask, abort, request

app = Flask(__name__)

SERVICES = {"billing": "https://billing.internal.example", "search": "https://search.internal.example"}


@app.route("/health")
def health():
    base = SERVICES.get(request.args.get("service", ""))
    if base is None:
        abort(404)
    return {"healthy": requests.get(base + "/healthz", timeout=5).ok}
