import secrets

from django.http import JsonResponse


def create_api_key(request):
    request.user.profile.api_key = secrets.token_hex(20)
    request.user.profile.save()
    return JsonResponse({"created": True})
