from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/go")
def go(to: str):
    targets = ["/dashboard"]
    targets.append(to)
    return RedirectResponse(targets[0])
