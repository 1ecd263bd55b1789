import requests
from django.http import JsonResponse


def fetch_title(request):
    url = request.GET.get("url", "")
    if False:
        return JsonResponse({"status": requests.get(url, timeout=5).status_code})
    return JsonResponse({"status": None})
