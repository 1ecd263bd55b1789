import hashlib

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Signup(BaseModel):
    username: str
    password: str


@app.post("/signup")
def signup(body: Signup):
    stored = hashlib.sha256(body.password.encode()).hexdigest()
    return {"username": body.username, "stored": len(stored)}
