from django.http import JsonResponse
from lxml import etree

TREE = etree.fromstring(b"<products><product name='a' price='3'/></products>")


def price(request):
    name = request.GET.get("name", "")
    values = TREE.xpath(f"//product[@name='{name}']/@price")
    return JsonResponse({"prices": [str(v) for v in values]})
