import ldap
from flask import Flask, request

app = Flask(__name__)


@app.route("/groups", methods=["POST"])
def groups():
    member = request.form["member"]
    conn = ldap.initialize("ldap://ldap.internal.example")
    results = conn.search_s(
        "ou=groups,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(member=uid=" + member + ")"
    )
    return {"groups": [dn for dn, _ in results]}
