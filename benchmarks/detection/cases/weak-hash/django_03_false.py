import hashlib
import hmac
import os

from django.http import HttpResponseForbidden, JsonResponse


def webhook(request):
    expected = hmac.new(os.environ["WEBHOOK_KEY"].encode(), request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        return HttpResponseForbidden()
    return JsonResponse({"accepted": True})
