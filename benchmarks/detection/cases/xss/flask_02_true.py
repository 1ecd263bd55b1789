from flask import Flask, render_template, request
from markupsafe import Markup

app = Flask(__name__)


@app.route("/search")
def search():
    query = request.args.get("q", "")
    banner = Markup("<p>Results for <b>" + query + "</b></p>")
    return render_template("search.html", banner=banner)
