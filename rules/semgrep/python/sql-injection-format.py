import sqlite3


def find_user(conn: sqlite3.Connection, name, user_id, User):
    cur = conn.cursor()
    # ruleid: python-sql-injection-format
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    # ruleid: python-sql-injection-format
    cur.execute("SELECT * FROM users WHERE id = {}".format(user_id))
    query = "DELETE FROM sessions WHERE user = '%s'" % name
    # ruleid: python-sql-injection-format
    cur.execute(query)
    # ruleid: python-sql-injection-format
    User.objects.raw("SELECT * FROM auth_user WHERE username = '{}'".format(name))
    # ok: python-sql-injection-format
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: python-sql-injection-format
    cur.execute("SELECT count(*) FROM users")
    message = "user %s logged in" % name
    # ok: python-sql-injection-format
    print(message)
