import xml.etree.ElementTree as ET

from django.http import JsonResponse

ROOT = ET.fromstring("<config><section name='main'><v>1</v></section></config>")


def section(request):
    names = {"asked": request.GET.get("name", ""), "default": "main"}
    node = ROOT.find(".//section[@name='" + names["default"] + "']")
    return JsonResponse({"present": node is not None})
