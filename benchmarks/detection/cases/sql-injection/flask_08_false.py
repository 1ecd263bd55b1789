import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/active")
def active_users():
    status = request.args.get("status", "")
    status = "active"
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT id FROM users WHERE status = '{status}'").fetchall()
    return {"count": len(rows)}
