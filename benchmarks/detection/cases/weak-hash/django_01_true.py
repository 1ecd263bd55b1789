import hashlib
import time

from django.http import JsonResponse


def reset_token(request):
    user = request.user
    token = hashlib.new("md5", f"{user.pk}:{user.password}:{time.time()}".encode()).hexdigest()
    return JsonResponse({"sent": bool(token)})
