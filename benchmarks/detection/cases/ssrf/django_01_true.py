import requests
from django.http import JsonResponse


def fetch_title(request):
    resp = requests.get(request.GET.get("url", ""), timeout=5)
    return JsonResponse({"status": resp.status_code})
