from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/region")
def region(zone: str):
    zones = ["eu-west"]
    zones.append(zone)
    return JSONResponse({"ok": True}, headers={"X-Zone": zones[0]})
