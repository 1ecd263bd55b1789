from django.http import JsonResponse


def sort_products(request):
    key = request.GET.get("key", "price")
    products = [{"price": 3, "name": "a"}, {"price": 1, "name": "b"}]
    ordered = sorted(products, key=eval(f"lambda p: p['{key}']"))
    return JsonResponse({"products": ordered})
