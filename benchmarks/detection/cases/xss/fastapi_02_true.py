from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/echo")
def echo(request: Request):
    msg = request.query_params.get("msg", "")
    return HTMLResponse(content="<div>" + msg + "</div>")
