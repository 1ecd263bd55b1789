import logging

from fastapi import FastAPI

app = FastAPI()
logger = logging.getLogger("api")


@app.get("/items")
def items(category: str):
    logger.info("listing category %s", category)
    return {"items": []}
