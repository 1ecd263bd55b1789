import bleach
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/bio", response_class=HTMLResponse)
def bio(text: str):
    return HTMLResponse("<section>" + bleach.clean(text, tags=["b", "i"]) + "</section>")
