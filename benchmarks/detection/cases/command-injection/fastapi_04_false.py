import ipaddress
import os

from fastapi import FastAPI, HTTPException

app = FastAPI()


@app.get("/ping")
def ping(addr: str):
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise HTTPException(status_code=400, detail="not an IP address") from None
    os.system(f"ping -c 1 {ip}")
    return {"status": "sent"}
