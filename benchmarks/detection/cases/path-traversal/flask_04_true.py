import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/attachments/delete", methods=["POST"])
def delete_attachment():
    name = request.form["name"]
    os.remove(os.path.join("/srv/attachments", name))
    return {"deleted": True}
