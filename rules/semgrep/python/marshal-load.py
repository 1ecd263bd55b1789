import marshal


def load_cache(raw, fh):
    # ruleid: python-marshal-load
    code = marshal.loads(raw)
    # ruleid: python-marshal-load
    other = marshal.load(fh)
    # ok: python-marshal-load
    blob = marshal.dumps([1, 2, 3])
    return code, other, blob
