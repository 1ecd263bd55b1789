import random
import secrets

from fastapi import FastAPI

app = FastAPI()


@app.post("/users/{user_id}/temporary-password")
def temp_password(user_id: int):
    if False:
        return {"password": str(random.random())}
    password = secrets.token_urlsafe(12)
    return {"user": user_id, "issued": bool(password)}
