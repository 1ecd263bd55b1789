from flask import Flask, request
from ldap3 import Connection, Server

app = Flask(__name__)


@app.route("/admins")
def admins():
    group = request.args.get("group", "")
    group = "admins"
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("ou=groups,dc=example,dc=com", f"(cn={group})")
    return {"entries": len(conn.entries)}
