import jsonpickle
from django.http import JsonResponse


def import_settings(request):
    settings_obj = jsonpickle.decode(request.body)
    return JsonResponse({"type": type(settings_obj).__name__})
