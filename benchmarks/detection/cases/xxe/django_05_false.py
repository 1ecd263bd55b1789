from defusedxml import minidom
from django.http import JsonResponse


def import_catalog(request):
    dom = minidom.parse(request.FILES["catalog"])
    return JsonResponse({"products": len(dom.getElementsByTagName("product"))})
