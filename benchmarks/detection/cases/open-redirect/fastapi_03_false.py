from urllib.parse import urlparse

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()
ALLOWED = {"app.example.com", "docs.example.com"}


@app.get("/sso/callback")
def callback(state: str):
    parts = urlparse(state)
    if parts.scheme != "https" or parts.hostname not in ALLOWED:
        state = "/"
    return RedirectResponse(url=state)
