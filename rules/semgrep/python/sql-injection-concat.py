def search(cursor, term, order):
    # ruleid: python-sql-injection-concat
    cursor.execute("SELECT * FROM items WHERE title LIKE '%" + term + "%'")
    q = "SELECT * FROM items ORDER BY " + order
    # ruleid: python-sql-injection-concat
    cursor.execute(q)
    # ok: python-sql-injection-concat
    cursor.execute("SELECT * FROM items WHERE title LIKE ?", ("%" + term + "%",))
    # ok: python-sql-injection-concat
    cursor.execute("SELECT * FROM items " + "ORDER BY id")
