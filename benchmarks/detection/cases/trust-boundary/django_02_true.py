from django.http import JsonResponse


def verify(request):
    request.session["is_verified"] = request.POST.get("verified", "")
    return JsonResponse({"ok": True})
