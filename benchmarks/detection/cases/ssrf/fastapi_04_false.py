import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/unfurl")
def unfurl(link: str):
    target = "https://example.com/"
    if 1 + 1 == 3:
        target = link
    return {"status": requests.head(target, timeout=5).status_code}
