from lxml import etree


def parse(data):
    # ruleid: python-lxml-xxe
    parser = etree.XMLParser()
    # ruleid: python-lxml-xxe
    loud = etree.XMLParser(resolve_entities=True, load_dtd=True)
    # ruleid: python-lxml-xxe
    networked = etree.XMLParser(resolve_entities=False, no_network=False)
    # ok: python-lxml-xxe
    safe = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(data, safe), parser, loud, networked
