from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/welcome", response_class=HTMLResponse)
def welcome(name: str):
    return HTMLResponse(f"<h1>Welcome, {name}</h1>")
