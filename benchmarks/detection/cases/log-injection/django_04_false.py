import json
import logging

from django.http import JsonResponse

logger = logging.getLogger("shop")


def checkout(request):
    logger.info("coupon used: %s", json.dumps(request.GET.get("coupon", "")))
    return JsonResponse({"status": "ok"})
