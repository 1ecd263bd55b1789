def orders_for(cursor, customer, table):
    # ruleid: python-sql-injection-fstring
    cursor.execute(f"SELECT * FROM orders WHERE customer = '{customer}'")
    sql = f"DROP TABLE {table}"
    # ruleid: python-sql-injection-fstring
    cursor.execute(sql)
    # ok: python-sql-injection-fstring
    cursor.execute("SELECT * FROM orders WHERE customer = %s", (customer,))
    label = f"orders of {customer}"
    # ok: python-sql-injection-fstring
    print(label)
