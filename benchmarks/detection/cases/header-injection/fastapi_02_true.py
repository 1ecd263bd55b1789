from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/region")
def region(request: Request):
    zone = request.query_params.get("zone", "")
    return JSONResponse({"ok": True}, headers={"X-Zone": zone})
