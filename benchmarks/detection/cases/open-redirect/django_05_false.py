from django.http import HttpResponseRedirect
from django.urls import reverse


def switch_account(request):
    account = int(request.POST.get("account", "0"))
    return HttpResponseRedirect(reverse("account-detail", kwargs={"pk": account}))
