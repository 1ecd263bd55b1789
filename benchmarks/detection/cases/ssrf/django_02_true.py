import requests
from django.http import JsonResponse


def service_status(request, service):
    resp = requests.get("http://" + service + ":8080/status", timeout=3)
    return JsonResponse({"up": resp.ok})
