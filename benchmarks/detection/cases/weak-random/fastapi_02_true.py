import random
import string

from fastapi import FastAPI

app = FastAPI()


@app.post("/users/{user_id}/temporary-password")
def temp_password(user_id: int):
    password = "".join(random.sample(string.ascii_letters + string.digits, 12))
    return {"user": user_id, "issued": len(password) == 12}
