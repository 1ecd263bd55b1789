import yaml
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/config")
async def upload_config(request: Request):
    sources = {"uploaded": await request.body(), "builtin": "retries: 3\n"}
    config = yaml.load(sources["builtin"], Loader=yaml.Loader)
    return {"keys": sorted(config)}
