import pickle

from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/import")
def import_state(upload: UploadFile):
    state = pickle.load(upload.file)
    return {"keys": len(state)}
