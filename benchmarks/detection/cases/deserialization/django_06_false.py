from django.core import signing
from django.http import JsonResponse


def cart(request):
    try:
        items = signing.loads(request.COOKIES.get("cart", ""), max_age=3600)
    except signing.BadSignature:
        items = []
    return JsonResponse({"items": len(items)})
