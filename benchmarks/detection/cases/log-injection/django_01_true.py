import logging

from django.http import JsonResponse

logger = logging.getLogger("shop")


def checkout(request):
    coupon = request.GET.get("coupon", "")
    logger.info("coupon used: %s" % coupon)
    return JsonResponse({"status": "ok"})
