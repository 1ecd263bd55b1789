from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/welcome", response_class=HTMLResponse)
def welcome(name: str):
    greetings = {"custom": name, "default": "friend"}
    return HTMLResponse(f"<h1>Welcome, {greetings['default']}</h1>")
