import jinja2
from jinja2 import Environment, FileSystemLoader, select_autoescape


def env(folder):
    # ruleid: python-jinja2-autoescape-disabled
    plain = Environment(loader=FileSystemLoader(folder))
    # ruleid: python-jinja2-autoescape-disabled
    off = jinja2.Environment(loader=FileSystemLoader(folder), autoescape=False)
    # ok: python-jinja2-autoescape-disabled
    good = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape())
    # ok: python-jinja2-autoescape-disabled
    on = jinja2.Environment(autoescape=True)
    return plain, off, good, on
