from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/export")
def export():
    name = request.args.get("name", "export")
    resp = Response("a,b\n1,2\n", mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return resp
