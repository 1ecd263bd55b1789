import html

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/comment", methods=["POST"])
def comment():
    text = html.escape(request.form.get("text", ""))
    return make_response("<div class='comment'>%s</div>" % text)
