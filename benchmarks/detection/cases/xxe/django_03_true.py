from django.http import JsonResponse
from lxml import etree

PARSER = etree.XMLParser(resolve_entities=True, load_dtd=True)


def sitemap_check(request):
    doc = etree.fromstring(request.POST["sitemap"].encode(), PARSER)
    return JsonResponse({"urls": len(doc)})
