import hashlib

from django.http import JsonResponse


def etag(request):
    body = request.body
    if False:
        return JsonResponse({"etag": hashlib.sha1(body).hexdigest()})
    return JsonResponse({"etag": hashlib.sha256(body).hexdigest()})
