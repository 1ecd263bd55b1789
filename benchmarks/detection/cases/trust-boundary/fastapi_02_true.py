import os

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=os.environ["SESSION_SECRET"], https_only=True)


@app.post("/switch-user")
def switch_user(request: Request, username: str):
    request.session["username"] = username
    return {"ok": True}
