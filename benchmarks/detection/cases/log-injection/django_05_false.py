import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)


def page(request):
    number = int(request.GET.get("page", "1"))
    logger.info("page %d requested", number)
    return JsonResponse({"page": number})
