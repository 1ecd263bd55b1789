import xml.sax
from xml.sax.handler import feature_external_ges, feature_namespaces


def build_parser():
    parser = xml.sax.make_parser()
    # ruleid: python-xml-sax-external-entities
    parser.setFeature(feature_external_ges, True)
    # ruleid: python-xml-sax-external-entities
    parser.setFeature(xml.sax.handler.feature_external_pes, True)
    # ok: python-xml-sax-external-entities
    parser.setFeature(feature_external_ges, False)
    # ok: python-xml-sax-external-entities
    parser.setFeature(feature_namespaces, True)
    return parser
