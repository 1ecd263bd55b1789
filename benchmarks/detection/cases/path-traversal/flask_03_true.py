from pathlib import Path

from flask import Flask

app = Flask(__name__)
DOCS = Path("/srv/docs")


@app.route("/docs/<path:page>")
def docs(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    return {"length": len(text)}
