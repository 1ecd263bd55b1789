from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/files")
def get_file(path: str):
    return FileResponse(f"/srv/public/{path}")
