import subprocess

from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/disk")
def disk_usage(request: Request):
    folder = request.query_params.get("folder", ".")
    code = subprocess.call("du -sh " + folder, shell=True)
    return {"code": code}
