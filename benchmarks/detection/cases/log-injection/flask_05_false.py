import logging

from flask import Flask, request

app = Flask(__name__)


@app.route("/download")
def download():
    logging.info("download by agent %r", request.headers.get("User-Agent", ""))
    return {"status": "ok"}
