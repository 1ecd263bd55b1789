import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)


def order(request, ref):
    logger.error("order %s not found", ref)
    return JsonResponse({"found": False}, status=404)
