import hashlib

from fastapi import FastAPI, Request

app = FastAPI()
ALGORITHMS = {"legacy": "md5", "current": "sha256"}


@app.post("/checksum")
async def checksum(request: Request):
    return {"checksum": hashlib.new(ALGORITHMS["current"], await request.body()).hexdigest()}
