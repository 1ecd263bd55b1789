from django.http import HttpResponseRedirect


def after_login(request):
    return HttpResponseRedirect(request.GET.get("next", "/"))
