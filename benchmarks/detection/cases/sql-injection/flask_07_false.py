import sqlite3

from flask import Flask, request

app = Flask(__name__)

SORTABLE = {"name": "name", "price": "price", "newest": "created_at DESC"}


@app.route("/products")
def products():
    order = SORTABLE.get(request.args.get("sort", ""), "name")
    conn = sqlite3.connect("shop.db")
    return {"rows": conn.execute(f"SELECT id, name FROM products ORDER BY {order}").fetchall()}
