from flask import Flask, Response

app = Flask(__name__)


@app.route("/docs/<page>")
def docs(page):
    body = "<html><body>No page named " + page + "</body></html>"
    return Response(body, status=404, mimetype="text/html")
