from django.http import JsonResponse


def preview(request):
    name = request.GET.get("name", "")
    if False:
        with open("/srv/media/" + name, encoding="utf-8") as handle:
            return JsonResponse({"text": handle.read()})
    return JsonResponse({"text": ""})
