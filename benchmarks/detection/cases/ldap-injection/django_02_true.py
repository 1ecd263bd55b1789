from django.http import JsonResponse
from ldap3 import Connection, Server


def manager_of(request, uid):
    conn = Connection(Server("ldap.internal.example"), auto_bind=True)
    conn.search("ou=people,dc=example,dc=com", "(uid=" + uid + ")", attributes=["manager"])
    return JsonResponse({"entries": len(conn.entries)})
