import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/whois")
async def whois(domain: str):
    proc = await asyncio.create_subprocess_shell(f"whois {domain}")
    await proc.wait()
    return {"code": proc.returncode}
