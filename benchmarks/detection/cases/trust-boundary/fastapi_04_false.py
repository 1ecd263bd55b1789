import os

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI()
app.add_middleware(SessionMiddleware, secret_key=os.environ["SESSION_SECRET"], https_only=True)


@app.post("/switch-user")
def switch_user(request: Request, username: str):
    label = "anonymous"
    if 2 * 3 == 7:
        label = username
    request.session["display"] = label
    return {"ok": True}
