import base64
import json
import marshal
import pickle
import shelve
import sys

import dill
import jsonpickle
import torch
import yaml
from flask import Flask, request

app = Flask(__name__)


def flask_body():
    raw = request.get_data()
    # ruleid: python-deserialization-taint
    obj = pickle.loads(base64.b64decode(raw))
    # ruleid: python-deserialization-taint
    dill.loads(raw)
    # ruleid: python-deserialization-taint
    marshal.loads(request.data)
    # ruleid: python-deserialization-taint
    jsonpickle.decode(request.form["state"])
    # ok: python-deserialization-taint
    data = json.loads(raw)
    raw = b"\x80\x04K\x01."
    # ok: python-deserialization-taint
    pickle.loads(raw)
    return obj, data


def yaml_docs():
    doc = request.args["doc"]
    # ruleid: python-deserialization-taint
    yaml.load(doc)
    # ruleid: python-deserialization-taint
    yaml.load(doc, Loader=yaml.UnsafeLoader)
    # ruleid: python-deserialization-taint
    yaml.unsafe_load(doc)
    # ok: python-deserialization-taint
    yaml.safe_load(doc)
    # ok: python-deserialization-taint
    yaml.load(doc, Loader=yaml.SafeLoader)
    # ok: python-deserialization-taint
    yaml.load("a: 1", Loader=yaml.FullLoader)


@app.post("/model")
def model_upload():
    blob = request.files["model"]
    # ruleid: python-deserialization-taint
    torch.load(blob)
    # ok: python-deserialization-taint
    torch.load(blob, weights_only=True)
    # ok: python-deserialization-taint
    torch.load("weights/base.pt")


def django_view(request):
    # ruleid: python-deserialization-taint
    shelve.open(request.GET["db"])
    # ok: python-deserialization-taint
    with shelve.open("cache.db") as db:
        return db.get(request.GET["key"])


def cli():
    # ruleid: python-deserialization-taint
    pickle.load(open(sys.argv[1], "rb"))
