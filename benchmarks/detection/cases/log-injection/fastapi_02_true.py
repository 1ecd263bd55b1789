import logging

from fastapi import FastAPI, Request

app = FastAPI()
logger = logging.getLogger("api")


@app.get("/ping")
def ping(request: Request):
    logger.info("ping from client %s", request.headers.get("x-client-name", ""))
    return {"pong": True}
