from django.http import HttpResponse


def tag_page(request, tag):
    html = "<h2>Posts tagged " + tag + "</h2>"
    return HttpResponse(html)
