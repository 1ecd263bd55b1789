import secrets

from django.http import JsonResponse


def login(request):
    resp = JsonResponse({"ok": True})
    resp.set_cookie("sessionid_ext", secrets.token_urlsafe(32), max_age=86400)
    return resp
