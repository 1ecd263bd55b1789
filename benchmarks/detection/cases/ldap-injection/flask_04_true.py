from flask import Flask, request
from ldap3 import Connection, Server

app = Flask(__name__)


@app.route("/check", methods=["POST"])
def check_member():
    uid = request.form["uid"]
    dept = request.form["dept"]
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("ou=people,dc=example,dc=com", f"(&(uid={uid})(departmentNumber={dept}))")
    return {"member": bool(conn.entries)}
