import yaml
from yaml import SafeLoader


def read_config(text):
    # ruleid: python-yaml-unsafe-load
    a = yaml.load(text)
    # ruleid: python-yaml-unsafe-load
    b = yaml.load(text, Loader=yaml.Loader)
    # ruleid: python-yaml-unsafe-load
    c = yaml.unsafe_load(text)
    # ruleid: python-yaml-unsafe-load
    d = list(yaml.load_all(text, yaml.UnsafeLoader))
    # ok: python-yaml-unsafe-load
    e = yaml.safe_load(text)
    # ok: python-yaml-unsafe-load
    f = yaml.load(text, Loader=SafeLoader)
    # ok: python-yaml-unsafe-load
    g = yaml.load(text, Loader=yaml.CSafeLoader)
    return a, b, c, d, e, f, g
