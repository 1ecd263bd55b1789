from django.http import HttpResponseRedirect


def vote(request):
    return HttpResponseRedirect(request.META.get("HTTP_REFERER", "/"))
