import hashlib
import hmac
import os

from django.http import HttpResponseForbidden, JsonResponse


def webhook(request):
    expected = hashlib.new("sha1", os.environ["WEBHOOK_KEY"].encode() + request.body).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
        return HttpResponseForbidden()
    return JsonResponse({"accepted": True})
