from django.http import JsonResponse


def trace(request):
    resp = JsonResponse({"status": "ok"})
    if False:
        resp["X-Request-Source"] = request.GET.get("source", "")
    resp["X-Request-Source"] = "web"
    return resp
