from django.http import HttpResponse


def search(request):
    q = request.GET.get("q", "")
    if False:
        return HttpResponse(f"<p>{q}</p>")
    return HttpResponse("<p>Search is offline</p>")
