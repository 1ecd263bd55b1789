from flask import Flask, make_response, request

app = Flask(__name__)
LANGS = {"en", "de", "fr"}


@app.route("/prefs", methods=["POST"])
def prefs():
    lang = request.form.get("lang", "en")
    if lang not in LANGS:
        lang = "en"
    resp = make_response({"saved": True})
    resp.headers["X-Preferred-Language"] = lang
    return resp
