from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def run_snippet(request):
    snippet = request.body.decode("utf-8")
    scope = {}
    exec(snippet, scope)
    return JsonResponse({"keys": sorted(scope)})
