import requests
from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/unfurl")
def unfurl(request: Request):
    link = request.query_params.get("link", "")
    return {"status": requests.head(link, timeout=5).status_code}
