import os

from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def restart_service(request):
    service = request.POST["service"]
    command = " ".join(["systemctl", "restart", service])
    code = os.system(command)
    return JsonResponse({"code": code})
