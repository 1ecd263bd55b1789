import sqlite3
import sys

import sqlalchemy
from django.db import connection
from django.db.models.expressions import RawSQL
from fastapi import FastAPI
from flask import request
from psycopg2 import sql
from sqlalchemy import text

api = FastAPI()
SORTS = {"new": "created DESC", "old": "created ASC"}


def flask_lookup(db: sqlite3.Connection):
    name = request.args.get("name")
    cur = db.cursor()
    # ruleid: python-sql-injection-taint
    cur.execute("SELECT * FROM users WHERE name = '" + name + "'")
    # ruleid: python-sql-injection-taint
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    query = "DELETE FROM users WHERE name = '%s'" % name
    # ruleid: python-sql-injection-taint
    db.executescript(query)
    # ok: python-sql-injection-taint
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: python-sql-injection-taint
    cur.executemany("INSERT INTO t VALUES (?)", [(name,)])
    query = "SELECT 1"
    # ok: python-sql-injection-taint
    cur.execute(query)
    # ok: python-sql-injection-taint
    cur.execute("SELECT * FROM users ORDER BY " + SORTS[request.args["sort"]])
    # ok: python-sql-injection-taint
    cur.execute("SELECT * FROM users LIMIT %d" % int(request.args["limit"]))


@api.get("/items/{item_id}")
def fastapi_item(item_id: str, engine: sqlalchemy.engine.Engine):
    with engine.connect() as conn:
        # ruleid: python-sql-injection-taint
        conn.execute(text("SELECT * FROM items WHERE id = " + item_id))
        # ok: python-sql-injection-taint
        conn.execute(text("SELECT * FROM items WHERE id = :id"), {"id": item_id})
        # ruleid: python-sql-injection-taint
        conn.exec_driver_sql(f"SELECT * FROM items WHERE id = {item_id}")


def django_view(request, Book):
    title = request.GET.get("title")
    # ruleid: python-sql-injection-taint
    Book.objects.raw("SELECT * FROM book WHERE title = '%s'" % title)
    # ok: python-sql-injection-taint
    Book.objects.raw("SELECT * FROM book WHERE title = %s", [title])
    # ruleid: python-sql-injection-taint
    Book.objects.extra(where=["title = '" + title + "'"])
    # ruleid: python-sql-injection-taint
    Book.objects.annotate(n=RawSQL("SELECT count(*) FROM t WHERE x = " + title, []))
    with connection.cursor() as cursor:
        # ok: python-sql-injection-taint
        cursor.execute("SELECT * FROM book WHERE title = %s", [title])
        # ruleid: python-sql-injection-taint
        cursor.execute("SELECT * FROM book WHERE title = '%s'" % request.COOKIES["t"])


def identifiers(conn):
    column = request.form["column"]
    # ok: python-sql-injection-taint
    conn.cursor().execute(sql.SQL("SELECT {} FROM t").format(sql.Identifier(column)))


def cli(cur):
    # ruleid: python-sql-injection-taint
    cur.execute("DROP TABLE " + sys.argv[1])
