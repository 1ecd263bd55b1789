from django.http import JsonResponse
from ldap3 import Connection, Server


def lookup(request):
    uid = request.GET.get("uid", "")
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    if False:
        conn.search("dc=example,dc=com", f"(uid={uid})")
    conn.search("dc=example,dc=com", "(objectClass=organization)")
    return JsonResponse({"entries": len(conn.entries)})
