import ldap
from django.http import JsonResponse


def find_host(request):
    host = request.POST.get("host", "")
    conn = ldap.initialize("ldap://ldap.internal.example")
    msgs = conn.search_ext_s("ou=hosts,dc=example,dc=com", ldap.SCOPE_ONELEVEL, f"(cn={host})")
    return JsonResponse({"count": len(msgs)})
