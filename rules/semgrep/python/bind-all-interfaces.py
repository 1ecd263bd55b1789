import socket

import uvicorn
from flask import Flask

app = Flask(__name__)


def serve(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # ruleid: python-bind-all-interfaces
    sock.bind(("0.0.0.0", port))
    # ruleid: python-bind-all-interfaces
    sock.bind(("", port))
    # ruleid: python-bind-all-interfaces
    app.run(host="0.0.0.0", port=port)
    # ruleid: python-bind-all-interfaces
    uvicorn.run("main:app", host="::")
    # ok: python-bind-all-interfaces
    sock.bind(("127.0.0.1", port))
    # ok: python-bind-all-interfaces
    app.run(host="127.0.0.1")
