import logging

from flask import Flask, request

app = Flask(__name__)


@app.route("/download")
def download():
    logging.info(f"download by agent {request.headers.get('User-Agent', '')}")
    return {"status": "ok"}
