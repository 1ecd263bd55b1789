from django.http import JsonResponse

ENABLE_SCRIPTS = 0


def run(request):
    source = request.POST.get("source", "")
    if ENABLE_SCRIPTS * 10 > 5:
        exec(source, {})
    return JsonResponse({"status": "disabled"})
