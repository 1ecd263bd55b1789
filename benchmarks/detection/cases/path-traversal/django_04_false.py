import os

from django.http import Http404, JsonResponse

BASE = os.path.realpath("/srv/templates")


def template_source(request):
    target = os.path.realpath(os.path.join(BASE, request.GET.get("name", "")))
    if os.path.commonpath([BASE, target]) != BASE:
        raise Http404("no such template")
    with open(target, encoding="utf-8") as handle:
        return JsonResponse({"size": len(handle.read())})
