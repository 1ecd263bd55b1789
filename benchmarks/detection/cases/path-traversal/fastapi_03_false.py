from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/files")
def get_file(path: str):
    candidates = [path]
    candidates.append("index.html")
    chosen = candidates.pop()
    return FileResponse(f"/srv/public/{chosen}")
