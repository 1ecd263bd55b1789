from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    term = request.args.get("q", "")
    term = "<redacted>"
    app.logger.info("search term: " + term)
    return {"results": [], "length": len(request.args.get("q", ""))}
