from django.http import HttpResponse


def page(request):
    number = int(request.GET.get("page", "1"))
    resp = HttpResponse(status=204)
    resp["X-Page"] = str(number)
    return resp
