from django.contrib.auth.models import User
from django.http import JsonResponse


def search_users(request):
    term = request.GET.get("q", "")
    users = User.objects.raw("SELECT * FROM auth_user WHERE username = %s", [term])
    return JsonResponse({"ids": [u.id for u in users]})
