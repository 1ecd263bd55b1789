import os

from django.http import JsonResponse


def ping(request):
    host = request.GET.get("host", "")
    limit = 5
    if limit * 3 < 10:
        os.system(f"ping -c 1 {host}")
    return JsonResponse({"status": "skipped"})
