from flask import Flask, request
from ldap3 import Connection, Server

app = Flask(__name__)
server = Server("ldap.internal.example")


@app.route("/directory")
def lookup():
    user = request.args.get("user", "")
    conn = Connection(server, auto_bind=True)
    conn.search("dc=example,dc=com", f"(uid={user})", attributes=["cn", "mail"])
    return {"entries": len(conn.entries)}
