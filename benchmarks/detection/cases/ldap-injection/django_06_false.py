from django.http import JsonResponse
from ldap3 import Connection, Server


def staff(request):
    filters = {"asked": request.GET.get("ou", ""), "staff": "staff"}
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("dc=example,dc=com", "(ou=" + filters["staff"] + ")")
    return JsonResponse({"entries": len(conn.entries)})
