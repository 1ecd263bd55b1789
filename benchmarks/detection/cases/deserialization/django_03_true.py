import yaml
from django.http import JsonResponse


def import_fixture(request):
    data = yaml.unsafe_load(request.FILES["fixture"].read())
    return JsonResponse({"entries": len(data)})
