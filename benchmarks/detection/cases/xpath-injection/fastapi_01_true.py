from fastapi import FastAPI
from lxml import etree

app = FastAPI()
DOC = etree.fromstring(b"<accounts><account owner='ann' balance='5'/></accounts>")


@app.get("/balance")
def balance(owner: str):
    result = DOC.xpath("//account[@owner='{}']/@balance".format(owner))
    return {"balance": [str(v) for v in result]}
