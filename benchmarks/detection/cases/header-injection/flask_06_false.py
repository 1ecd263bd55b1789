from flask import Flask, Response, request
from werkzeug.utils import secure_filename

app = Flask(__name__)


@app.route("/export")
def export():
    name = secure_filename(request.args.get("name", "export")) or "export"
    resp = Response("a,b\n1,2\n", mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return resp
