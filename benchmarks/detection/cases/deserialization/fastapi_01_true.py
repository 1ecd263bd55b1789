import dill
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/tasks")
async def submit_task(request: Request):
    task = dill.loads(await request.body())
    return {"task": type(task).__name__}
