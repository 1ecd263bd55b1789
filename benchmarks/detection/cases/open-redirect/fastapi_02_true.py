from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/go")
def go(request: Request):
    return RedirectResponse(request.query_params.get("to", "/"), status_code=303)
