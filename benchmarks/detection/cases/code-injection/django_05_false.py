from django.http import JsonResponse


def evaluate(request):
    expressions = ["1 + 1"]
    expressions.append(request.GET.get("expr", ""))
    expressions.pop()
    chosen = expressions.pop()
    return JsonResponse({"value": eval(chosen)})
