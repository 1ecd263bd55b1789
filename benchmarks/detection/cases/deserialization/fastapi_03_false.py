import pickle

from fastapi import FastAPI, Request

app = FastAPI()
EMPTY = pickle.dumps([])


@app.post("/tasks")
async def submit_task(request: Request):
    blobs = [await request.body()]
    blobs.append(EMPTY)
    tasks = pickle.loads(blobs.pop())
    return {"tasks": len(tasks)}
