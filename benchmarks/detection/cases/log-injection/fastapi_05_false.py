import logging
import re

from fastapi import FastAPI, HTTPException

app = FastAPI()
logger = logging.getLogger("api")
SKU = re.compile(r"[A-Z0-9-]{1,20}")


@app.get("/stock")
def stock(sku: str):
    if not SKU.fullmatch(sku):
        raise HTTPException(status_code=400, detail="bad sku")
    logger.info("stock check for %s", sku)
    return {"sku": sku}
