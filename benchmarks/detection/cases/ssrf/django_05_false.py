import requests
from django.http import JsonResponse


def geocode(request):
    resp = requests.get(
        "https://geo.example.com/v1/search", params={"q": request.GET.get("q", "")}, timeout=5
    )
    return JsonResponse({"status": resp.status_code})
