import dill


def restore(payload, fh):
    # ruleid: python-dill-load
    fn = dill.loads(payload)
    # ruleid: python-dill-load
    state = dill.load(fh)
    # ok: python-dill-load
    blob = dill.dumps(fn)
    return state, blob
