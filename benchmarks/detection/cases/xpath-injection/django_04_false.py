from django.http import HttpResponseBadRequest, JsonResponse
from lxml import etree

TREE = etree.fromstring(b"<products><product name='a' price='3'/></products>")


def price(request):
    name = request.GET.get("name", "")
    if not name.isalnum():
        return HttpResponseBadRequest("bad name")
    return JsonResponse({"prices": [str(v) for v in TREE.xpath(f"//product[@name='{name}']/@price")]})
