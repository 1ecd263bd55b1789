from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Task(BaseModel):
    name: str
    priority: int = 0


@app.post("/tasks")
def submit_task(task: Task):
    return {"task": task.name}
