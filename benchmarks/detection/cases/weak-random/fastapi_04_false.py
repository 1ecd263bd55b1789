import random

from fastapi import FastAPI

app = FastAPI()
COLOURS = ["teal", "amber", "violet"]


@app.get("/banner")
def banner():
    return {"colour": random.choice(COLOURS)}
