import secrets

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/token")
def token():
    resp = JSONResponse({"ok": True})
    resp.set_cookie("access", secrets.token_urlsafe(32), secure=False, httponly=True)
    return resp
