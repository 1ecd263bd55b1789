from django.shortcuts import redirect


def switch_account(request):
    destination = request.POST.get("destination", "/")
    return redirect(destination)
