import pickle
import pandas as pd


def restore(blob, path):
    # ruleid: python-pickle-load
    session = pickle.loads(blob)
    with open(path, "rb") as fh:
        # ruleid: python-pickle-load
        state = pickle.load(fh)
    # ruleid: python-pickle-load
    frame = pd.read_pickle(path)
    # ok: python-pickle-load
    data = pickle.dumps(session)
    return state, frame, data
