from urllib.parse import quote

from django.http import HttpResponse


def report_csv(request, title):
    resp = HttpResponse("a,b\n", content_type="text/csv")
    resp["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(title) + ".csv"
    return resp
