from flask import Flask, request
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)


@app.route("/directory")
def lookup():
    user = escape_filter_chars(request.args.get("user", ""))
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("dc=example,dc=com", f"(uid={user})", attributes=["cn"])
    return {"entries": len(conn.entries)}
