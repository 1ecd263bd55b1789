from django.http import JsonResponse


def choose_account(request):
    request.session["account_id"] = request.GET.get("account", "")
    return JsonResponse({"ok": True})
