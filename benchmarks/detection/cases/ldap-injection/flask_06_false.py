import ldap
import ldap.filter
from flask import Flask, request

app = Flask(__name__)


@app.route("/groups", methods=["POST"])
def groups():
    member = ldap.filter.escape_filter_chars(request.form["member"])
    conn = ldap.initialize("ldap://ldap.internal.example")
    results = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(memberUid={member})")
    return {"groups": [dn for dn, _ in results]}
