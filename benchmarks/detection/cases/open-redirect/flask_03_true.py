from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/lang/<code>")
def set_language(code):
    return redirect(request.headers.get("Referer", "/"))
