import ldap
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/lookup")
def lookup(request: Request):
    team = request.query_params.get("team", "")
    conn = ldap.initialize("ldap://ldap.internal.example")
    rows = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, "(ou=%s)" % team)
    return {"count": len(rows)}
