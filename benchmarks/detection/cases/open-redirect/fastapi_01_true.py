from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/sso/callback")
def callback(state: str):
    return RedirectResponse(url=state)
