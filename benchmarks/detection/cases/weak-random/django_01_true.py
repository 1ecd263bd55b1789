import random
import string

from django.http import JsonResponse


def create_api_key(request):
    key = "".join(random.choices(string.ascii_letters + string.digits, k=40))
    request.user.profile.api_key = key
    request.user.profile.save()
    return JsonResponse({"created": True})
