import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/backup", methods=["POST"])
def backup():
    directory = request.json["directory"]
    with os.popen("tar -czf /srv/backups/site.tgz " + directory) as pipe:
        pipe.read()
    return {"status": "archived"}
