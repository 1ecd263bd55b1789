from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/plugins")
async def load_plugin(request: Request):
    payload = await request.json()
    exec(payload["source"], {})
    return {"status": "ok"}
