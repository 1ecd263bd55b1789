import xml.sax
from xml.dom import pulldom
from xml.sax.handler import feature_external_ges

from django.http import JsonResponse


def import_catalog(request):
    sax = xml.sax.make_parser()
    sax.setFeature(feature_external_ges, True)
    events = pulldom.parse(request.FILES["catalog"], parser=sax)
    names = 0
    for event, node in events:
        if event == pulldom.START_ELEMENT and node.tagName == "product":
            events.expandNode(node)
            names += 1
    return JsonResponse({"products": names})
