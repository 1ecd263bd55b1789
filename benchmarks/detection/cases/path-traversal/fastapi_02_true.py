import io
import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/logs")
def read_log(folder: str, name: str):
    entries = os.listdir(os.path.join("/var/log/app", folder))
    with io.open(os.path.join("/var/log/app", folder, name), encoding="utf-8") as handle:
        return {"entries": len(entries), "size": len(handle.read())}
