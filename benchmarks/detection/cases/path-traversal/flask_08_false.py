from pathlib import Path

from flask import Flask, abort

app = Flask(__name__)
DOCS = Path("/srv/docs").resolve()


@app.route("/docs/<path:page>")
def docs(page):
    target = (DOCS / page).resolve()
    if not target.is_relative_to(DOCS):
        abort(404)
    return {"length": len(target.read_text(encoding="utf-8"))}
