from django.http import HttpResponse
from django.utils.html import escape


def tag_page(request, tag):
    return HttpResponse("<h2>Posts tagged " + escape(tag) + "</h2>")
