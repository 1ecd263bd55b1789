import xml.etree.ElementTree as ET
from xml.dom import minidom

import defusedxml.ElementTree as DET


def read(body, path):
    # ruleid: python-xml-stdlib-untrusted
    root = ET.fromstring(body)
    # ruleid: python-xml-stdlib-untrusted
    doc = minidom.parse(path)
    # ok: python-xml-stdlib-untrusted
    safe = DET.fromstring(body)
    # ok: python-xml-stdlib-untrusted
    out = ET.tostring(root)
    return doc, safe, out
