import json
import shelve


def cached(path):
    # ruleid: python-shelve-open
    with shelve.open(path) as db:
        return db.get("answer")


def cached_json(path):
    # ok: python-shelve-open
    with open(path) as fh:
        return json.load(fh)
