import random

from django.http import JsonResponse


def invite(request):
    token = str(random.random())[2:]
    return JsonResponse({"invited": bool(token)})
