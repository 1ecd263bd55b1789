import sys

import ldap
import ldap3
from flask import Flask, request
from ldap.filter import escape_filter_chars, filter_format
from ldap3 import Connection, Server, SUBTREE
from ldap3.utils.conv import escape_filter_chars as ldap3_escape

app = Flask(__name__)
BASE = "dc=example,dc=org"


def connect():
    return Connection(Server("ldap://ldap.example.org"), auto_bind=True)


@app.route("/user")
def find_user():
    name = request.args.get("name")
    conn = connect()
    # ruleid: python-ldap-injection-taint
    conn.search(BASE, "(uid=" + name + ")", attributes=["cn"])
    return str(conn.entries)


@app.route("/user-kw")
def find_user_kw():
    name = request.form["name"]
    conn = connect()
    # ruleid: python-ldap-injection-taint
    conn.search(search_base=BASE, search_filter=f"(&(objectClass=person)(cn={name}))", search_scope=SUBTREE)
    return str(conn.entries)


@app.route("/group/<group>")
def group_members(group):
    lo = ldap.initialize("ldap://ldap.example.org")
    # ruleid: python-ldap-injection-taint
    return str(lo.search_s(BASE, ldap.SCOPE_SUBTREE, "(cn=%s)" % group))


def django_lookup(request):
    mail = request.GET.get("mail", "")
    lo = ldap.initialize("ldap://ldap.example.org")
    # ruleid: python-ldap-injection-taint
    lo.search_ext_s(BASE, ldap.SCOPE_SUBTREE, filterstr="(mail=" + mail + ")")


def cli_lookup():
    lo = ldap.initialize("ldap://ldap.example.org")
    # ruleid: python-ldap-injection-taint
    lo.search(BASE, ldap.SCOPE_SUBTREE, "(uid=%s)" % sys.argv[1])


@app.route("/user-escaped")
def find_user_escaped():
    name = request.args.get("name")
    conn = connect()
    # ok: python-ldap-injection-taint
    conn.search(BASE, "(uid=" + ldap3_escape(name) + ")")
    lo = ldap.initialize("ldap://ldap.example.org")
    # ok: python-ldap-injection-taint
    lo.search_s(BASE, ldap.SCOPE_SUBTREE, "(uid=%s)" % escape_filter_chars(name))
    # ok: python-ldap-injection-taint
    lo.search_s(BASE, ldap.SCOPE_SUBTREE, filter_format("(uid=%s)", [name]))
    return "ok"


@app.route("/user-overwritten")
def find_user_overwritten():
    name = request.args.get("name")
    name = "guest"
    conn = connect()
    # ok: python-ldap-injection-taint
    conn.search(BASE, "(uid=" + name + ")")
    return str(conn.entries)


@app.route("/by-id")
def find_by_id():
    uid = int(request.args["id"])
    conn = connect()
    # ok: python-ldap-injection-taint
    conn.search(BASE, "(uidNumber=%d)" % uid)
    return str(conn.entries)


@app.route("/constant")
def constant_filter():
    filters = {"people": "(objectClass=person)"}
    filters["custom"] = request.args.get("f")
    conn = connect()
    # ok: python-ldap-injection-taint
    conn.search(BASE, "(objectClass=group)")
    # semgrep CE taints the whole dict once one key holds request data (issue 16 1b)
    # todook: python-ldap-injection-taint
    conn.search(BASE, filters["people"])
    choices = ["(objectClass=person)", request.args.get("f")]
    # todook: python-ldap-injection-taint
    conn.search(BASE, choices[0])
    return str(conn.entries)


@app.route("/regex")
def regex_is_not_ldap():
    import re

    q = request.args.get("q", "")
    # ok: python-ldap-injection-taint
    return str(re.search("^[a-z]+$", q))


@app.route("/base-only")
def tainted_base_only():
    ou = request.args.get("ou")
    conn = ldap3.Connection("ldap://ldap.example.org")
    # ok: python-ldap-injection-taint
    conn.search("ou=people," + BASE, "(objectClass=person)", attributes=[ou])
    return "ok"
