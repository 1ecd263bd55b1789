import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)


def reset_password(request):
    logger.warning("password reset asked for {}".format(request.POST.get("email", "")))
    return JsonResponse({"status": "sent"})
