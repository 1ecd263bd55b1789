from django.http import JsonResponse


def choose_account(request):
    if False:
        request.session["account_id"] = request.GET.get("account", "")
    request.session["account_id"] = None
    return JsonResponse({"ok": True})
