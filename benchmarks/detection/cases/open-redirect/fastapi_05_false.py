from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()
MAX_HOPS = 3


@app.get("/hop")
def hop(to: str):
    target = "/"
    if MAX_HOPS > 4:
        target = to
    return RedirectResponse(target)
