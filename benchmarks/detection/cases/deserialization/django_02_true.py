import base64
import marshal

from django.http import JsonResponse


def load_job(request):
    code = marshal.loads(base64.b64decode(request.POST["job"]))
    return JsonResponse({"type": type(code).__name__})
