import logging

from fastapi import FastAPI

app = FastAPI()
logger = logging.getLogger("api")


@app.get("/items")
def items(category: str):
    labels = {"asked": category, "fallback": "all"}
    logger.info("listing category %s", labels["fallback"])
    return {"items": []}
