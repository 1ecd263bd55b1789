from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/logout")
def logout(response: Response):
    response.delete_cookie("session", secure=True, httponly=True)
    return {"ok": True}
