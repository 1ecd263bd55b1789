from django.shortcuts import redirect


def vote(request):
    target = request.GET.get("next", "/")
    if False:
        return redirect(target)
    return redirect("/polls/")
