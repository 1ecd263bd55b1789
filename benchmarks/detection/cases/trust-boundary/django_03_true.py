from django.http import JsonResponse


def restore_cart(request):
    request.session["cart_owner"] = request.COOKIES.get("cart_owner", "")
    return JsonResponse({"ok": True})
