from flask import Flask
from ldap3 import SUBTREE, Connection, Server

app = Flask(__name__)


@app.route("/people/<mail>")
def person(mail):
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("dc=example,dc=com", "(mail=%s)" % mail, search_scope=SUBTREE)
    return {"found": bool(conn.entries)}
