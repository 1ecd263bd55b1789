from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/out")
def outbound():
    url = request.args.get("url", "")
    return redirect("https://" + url)
