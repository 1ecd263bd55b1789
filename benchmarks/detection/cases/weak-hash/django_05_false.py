from django.contrib.auth.hashers import make_password
from django.http import JsonResponse


def set_password(request):
    encoded = make_password(request.POST["password"])
    return JsonResponse({"algorithm": encoded.split("$", 1)[0]})
