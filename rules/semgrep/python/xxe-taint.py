import sys
import xml.sax
from xml.dom import pulldom

import defusedxml.lxml
from defusedxml import pulldom as safe_pulldom
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def lxml_views():
    body = request.data
    # ruleid: python-xxe-taint
    etree.fromstring(body)
    unsafe = etree.XMLParser(load_dtd=True)
    # ruleid: python-xxe-taint
    etree.fromstring(body, unsafe)
    # ruleid: python-xxe-taint
    etree.parse(request.files["doc"], parser=etree.XMLParser(resolve_entities=True))
    # ok: python-xxe-taint
    etree.fromstring(body, SAFE_PARSER)
    local = etree.XMLParser(resolve_entities=False)
    # ok: python-xxe-taint
    etree.XML(body, parser=local)
    # ok: python-xxe-taint
    etree.fromstring(body, etree.XMLParser(resolve_entities=False))
    # ok: python-xxe-taint
    defusedxml.lxml.fromstring(body)
    # ok: python-xxe-taint
    etree.fromstring(b"<config><debug>0</debug></config>")
    body = b"<a/>"
    # ok: python-xxe-taint
    etree.fromstring(body)


@app.post("/feed")
def pull():
    # ruleid: python-xxe-taint
    events = pulldom.parseString(request.get_data(as_text=True))
    # ok: python-xxe-taint
    safe = safe_pulldom.parseString(request.get_data(as_text=True))
    return events, safe


def sax_view(request, handler):
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    parser.setContentHandler(handler)
    # ruleid: python-xxe-taint
    parser.parse(request.FILES["doc"])


def sax_default(request, handler):
    parser = xml.sax.make_parser()
    parser.setContentHandler(handler)
    # ok: python-xxe-taint
    parser.parse(request.FILES["doc"])


def cli():
    # ruleid: python-xxe-taint
    etree.parse(sys.argv[1])
