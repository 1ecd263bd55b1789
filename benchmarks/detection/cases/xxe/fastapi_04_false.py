from defusedxml.ElementTree import parse
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/svg")
def upload_svg(image: UploadFile):
    return {"root": parse(image.file).getroot().tag}
