import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/proxy")
async def proxy(url: str):
    urls = [url]
    urls.append("https://status.example.com/")
    chosen = urls.pop()
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.get(chosen)
    return {"status": resp.status_code}
