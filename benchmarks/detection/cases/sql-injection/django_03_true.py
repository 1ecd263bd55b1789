from django.contrib.auth.models import User
from django.http import JsonResponse


def by_domain(request):
    domain = request.POST.get("domain", "")
    users = User.objects.extra(where=[f"email LIKE '%%@{domain}'"])
    return JsonResponse({"count": users.count()})
