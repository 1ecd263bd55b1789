import random
import string

from django.http import JsonResponse

SYSTEM_RANDOM = random.SystemRandom()


def invite(request):
    code = "".join(SYSTEM_RANDOM.choice(string.ascii_uppercase) for _ in range(10))
    return JsonResponse({"invited": len(code) == 10})
