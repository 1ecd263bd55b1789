import secrets

from fastapi import FastAPI

app = FastAPI()


@app.get("/csrf")
def csrf_token():
    return {"csrf": secrets.token_bytes(16).hex()}
