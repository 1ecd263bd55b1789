import random
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/csrf")
def csrf_token():
    rng = random.Random(time.time())
    return {"csrf": "%016x" % rng.getrandbits(64)}
