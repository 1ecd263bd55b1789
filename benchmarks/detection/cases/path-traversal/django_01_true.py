import codecs

from django.http import JsonResponse


def template_source(request):
    name = request.GET.get("name", "")
    with codecs.open("/srv/templates/" + name, encoding="utf-8") as handle:
        return JsonResponse({"size": len(handle.read())})
