from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite:///app.db")


@app.route("/orders/<status>")
def orders(status):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id FROM orders WHERE status = :s"), {"s": status}).all()
    return {"orders": [row.id for row in rows]}
