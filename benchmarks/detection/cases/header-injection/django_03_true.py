from django.http import HttpResponse


def tag(request):
    label = request.POST.get("label", "")
    return HttpResponse(status=204, headers={"X-Label": label})
