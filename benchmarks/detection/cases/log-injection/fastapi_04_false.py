import logging

from fastapi import FastAPI

app = FastAPI()
logger = logging.getLogger("api")


@app.get("/ping")
def ping(client: str):
    names = [client]
    names.append("anonymous")
    logger.info("ping from client %s", names.pop())
    return {"pong": True}
