import secrets

from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/login")
def login(response: Response):
    response.set_cookie(
        key="session", value=secrets.token_urlsafe(32), secure=True, httponly=True, samesite="lax"
    )
    return {"ok": True}
