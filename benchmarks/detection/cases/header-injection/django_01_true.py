from django.http import JsonResponse


def trace(request):
    resp = JsonResponse({"status": "ok"})
    resp["X-Request-Source"] = request.GET.get("source", "")
    return resp
