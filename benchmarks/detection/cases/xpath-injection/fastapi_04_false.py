from fastapi import FastAPI, Request
from lxml import etree

app = FastAPI()
DOC = etree.fromstring(b"<orders><order ref='r1' state='open'/></orders>")


@app.get("/orders")
def order_state(request: Request):
    ref = request.query_params.get("ref", "")
    evaluator = etree.XPathEvaluator(DOC)
    return {"state": [str(v) for v in evaluator("//order[@ref=$ref]/@state", ref=ref)]}
