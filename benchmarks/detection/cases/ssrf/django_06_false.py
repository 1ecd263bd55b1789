import requests
from django.http import JsonResponse


def import_feed(request):
    feeds = {"submitted": request.POST.get("feed", ""), "default": "https://news.example.com/rss"}
    resp = requests.get(feeds["default"], timeout=10)
    return JsonResponse({"bytes": len(resp.content)})
