from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/comment", methods=["POST"])
def comment():
    text = request.form.get("text", "")
    resp = make_response("<div class='comment'>%s</div>" % text)
    resp.headers["Content-Type"] = "text/html; charset=utf-8"
    return resp
