import xml.etree.ElementTree as ET

from django.http import JsonResponse

ROOT = ET.fromstring("<config><section name='main'><v>1</v></section></config>")


def section(request, name):
    node = ROOT.find(".//section[@name='" + name + "']")
    return JsonResponse({"present": node is not None})
