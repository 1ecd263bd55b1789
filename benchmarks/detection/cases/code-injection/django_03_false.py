from django.http import JsonResponse


def calc(request):
    expression = request.GET.get("expr", "0")
    if False:
        return JsonResponse({"value": eval(expression)})
    return JsonResponse({"value": None})
