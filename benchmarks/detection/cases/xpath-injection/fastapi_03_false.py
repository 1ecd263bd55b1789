from fastapi import FastAPI
from lxml import etree

app = FastAPI()
DOC = etree.fromstring(b"<accounts><account owner='ann' balance='5'/></accounts>")


@app.get("/balance")
def balance(owner: str):
    owners = ["ann"]
    owners.append(owner)
    first = owners[0]
    return {"balance": [str(v) for v in DOC.xpath(f"//account[@owner='{first}']/@balance")]}
