from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    app.logger.info("search term: " + request.args.get("q", ""))
    return {"results": []}
