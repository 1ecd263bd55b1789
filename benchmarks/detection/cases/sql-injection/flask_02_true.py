import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/profile", methods=["POST"])
def update_bio():
    bio = request.form["bio"]
    user_id = request.form["id"]
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("UPDATE users SET bio = '" + bio + "' WHERE id = " + user_id)
    conn.commit()
    return {"status": "saved"}
