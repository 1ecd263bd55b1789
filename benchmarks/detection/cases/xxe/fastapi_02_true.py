from fastapi import FastAPI, UploadFile
from lxml import etree

app = FastAPI()


@app.post("/svg")
def upload_svg(image: UploadFile):
    tree = etree.parse(image.file, etree.XMLParser(resolve_entities=True))
    return {"root": tree.getroot().tag}
