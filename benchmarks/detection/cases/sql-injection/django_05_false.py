from django.db import connection
from django.http import JsonResponse


def invoice_total(request, customer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(amount) FROM invoices WHERE customer = %s", [customer])
        (total,) = cursor.fetchone()
    return JsonResponse({"total": total})
