from django.contrib.auth import authenticate
from django.http import JsonResponse


def login_view(request):
    user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
    if user is None:
        return JsonResponse({"ok": False}, status=401)
    request.session["profile_id"] = user.pk
    return JsonResponse({"ok": True})
