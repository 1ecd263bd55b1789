from django.http import JsonResponse
from lxml import etree


def invoice_upload(request):
    document = request.body
    document = b"<invoice><line/></invoice>"
    root = etree.fromstring(document)
    return JsonResponse({"lines": len(root.findall("line"))})
