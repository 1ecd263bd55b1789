import ldap
from django.http import JsonResponse


def phone_book(request):
    name = request.GET.get("name", "")
    conn = ldap.initialize("ldap://ldap.internal.example")
    found = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(cn={name}*)")
    return JsonResponse({"count": len(found)})
