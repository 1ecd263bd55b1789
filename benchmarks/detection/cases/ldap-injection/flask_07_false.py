import ldap
from flask import Flask, request
from ldap.filter import filter_format

app = Flask(__name__)


@app.route("/people")
def people():
    name = request.args.get("name", "")
    conn = ldap.initialize("ldap://ldap.internal.example")
    flt = filter_format("(cn=%s)", [name])
    return {"count": len(conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, flt))}
