"""Database access with SQL built from strings."""

import sqlite3

DATABASE = "app.db"


def find_users(name):
    conn = sqlite3.connect(DATABASE)
    cur = conn.cursor()
    cur.execute(f"SELECT id, name FROM users WHERE name = '{name}'")
    return cur.fetchall()


def delete_user(user_id):
    conn = sqlite3.connect(DATABASE)
    conn.execute("DELETE FROM users WHERE id = " + user_id)
    conn.commit()


def rename_user(user_id, name):
    conn = sqlite3.connect(DATABASE)
    query = "UPDATE users SET name = '%s' WHERE id = %s" % (name, user_id)
    conn.execute(query)
    conn.commit()
