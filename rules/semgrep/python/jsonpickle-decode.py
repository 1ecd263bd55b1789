import json
import jsonpickle


def from_cookie(value):
    # ruleid: python-jsonpickle-decode
    obj = jsonpickle.decode(value)
    # ok: python-jsonpickle-decode
    plain = json.loads(value)
    # ok: python-jsonpickle-decode
    text = jsonpickle.encode(plain)
    return obj, text
