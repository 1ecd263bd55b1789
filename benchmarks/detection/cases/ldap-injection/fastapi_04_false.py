from fastapi import FastAPI
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

app = FastAPI()


@app.get("/users/{uid}/mail")
def user_mail(uid: str):
    safe_uid = escape_filter_chars(uid)
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("ou=people,dc=example,dc=com", f"(uid={safe_uid})", attributes=["mail"])
    return {"entries": len(conn.entries)}
