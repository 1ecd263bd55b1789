import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/products")
def products():
    order = request.args.get("sort", "name")
    conn = sqlite3.connect("shop.db")
    sql = "SELECT id, name FROM products ORDER BY {}".format(order)
    return {"rows": conn.execute(sql).fetchall()}
