import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.get("/commits")
def commits(author: str):
    out = subprocess.run(
        ["git", "log", "--oneline", "--author", author], capture_output=True, check=False
    )
    return {"count": len(out.stdout.splitlines())}
