import re

import ldap
from django.http import HttpResponseBadRequest, JsonResponse

UID = re.compile(r"[a-z][a-z0-9]{0,31}")


def phone_book(request):
    uid = request.GET.get("uid", "")
    if not UID.fullmatch(uid):
        return HttpResponseBadRequest("bad uid")
    conn = ldap.initialize("ldap://ldap.internal.example")
    found = conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={uid})")
    return JsonResponse({"count": len(found)})
