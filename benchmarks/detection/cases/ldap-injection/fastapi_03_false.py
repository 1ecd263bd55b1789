from fastapi import FastAPI
from ldap3 import Connection, Server

app = FastAPI()


@app.get("/group")
def group(name: str):
    names = [name]
    names.append("engineering")
    chosen = names.pop()
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("ou=groups,dc=example,dc=com", f"(cn={chosen})")
    return {"entries": len(conn.entries)}
