import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/proxy")
async def proxy(url: str):
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.get(url)
    return {"status": resp.status_code}
