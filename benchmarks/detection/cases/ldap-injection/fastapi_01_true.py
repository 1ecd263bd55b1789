from fastapi import FastAPI
from ldap3 import Connection, Server

app = FastAPI()


@app.get("/users/{uid}/mail")
def user_mail(uid: str):
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("ou=people,dc=example,dc=com", f"(uid={uid})", attributes=["mail"])
    return {"entries": len(conn.entries)}
