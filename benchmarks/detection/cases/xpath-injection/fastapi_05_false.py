from fastapi import FastAPI
from lxml import etree

app = FastAPI()
DOC = etree.fromstring(b"<accounts><account owner='ann' balance='5'/></accounts>")


@app.get("/balance")
def balance(owner: str):
    depth = 2
    expression = "//account/@balance"
    if depth * 2 > 5:
        expression = f"//account[@owner='{owner}']/@balance"
    return {"balance": [str(v) for v in DOC.xpath(expression)]}
