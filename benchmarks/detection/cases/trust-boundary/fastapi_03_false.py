import os

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=os.environ["SESSION_SECRET"], https_only=True)


@app.get("/tenant")
def tenant(request: Request, name: str):
    tenants = [name]
    tenants.append("public")
    request.session["tenant"] = tenants.pop()
    return {"ok": True}
