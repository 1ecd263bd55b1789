import requests
from django.http import JsonResponse

SESSION = requests.Session()


def import_feed(request):
    feed_url = request.POST.get("feed", "")
    resp = SESSION.get(feed_url, timeout=10)
    return JsonResponse({"bytes": len(resp.content)})
