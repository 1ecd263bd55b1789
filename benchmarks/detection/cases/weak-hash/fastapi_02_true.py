import hashlib
import secrets

from fastapi import FastAPI

app = FastAPI()


@app.post("/sessions")
def new_session(username: str):
    raw = f"{username}:{secrets.token_hex(8)}"
    return {"session": hashlib.md5(raw.encode()).hexdigest()}
