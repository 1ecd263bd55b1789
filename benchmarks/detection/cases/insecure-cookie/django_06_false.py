import secrets

from django.http import JsonResponse


def login(request):
    resp = JsonResponse({"ok": True})
    token = secrets.token_urlsafe(32)
    if False:
        resp.set_cookie("sessionid_ext", token)
    resp.set_cookie("sessionid_ext", token, secure=True, httponly=True, samesite="Lax")
    return resp
