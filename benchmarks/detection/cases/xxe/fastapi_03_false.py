from fastapi import FastAPI, Request
from lxml import etree

app = FastAPI()


@app.post("/orders")
async def import_orders(request: Request):
    documents = [b"<orders/>"]
    documents.append(await request.body())
    root = etree.fromstring(documents[0], etree.XMLParser(resolve_entities=True))
    return {"orders": len(root)}
