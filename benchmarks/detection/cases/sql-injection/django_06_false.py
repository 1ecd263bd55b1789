from django.db import connection
from django.http import JsonResponse

LEGACY = False


def report(request):
    region = request.GET.get("region", "")
    with connection.cursor() as cursor:
        if LEGACY and region:
            cursor.execute(f"SELECT COUNT(*) FROM sales WHERE region = '{region}'")
        else:
            cursor.execute("SELECT COUNT(*) FROM sales WHERE region = %s", [region])
        (count,) = cursor.fetchone()
    return JsonResponse({"count": count})
