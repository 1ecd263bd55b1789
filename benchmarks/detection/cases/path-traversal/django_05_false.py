from django.http import FileResponse, Http404

FILES = {"q1": "/srv/invoices/q1.pdf", "q2": "/srv/invoices/q2.pdf"}


def invoice_pdf(request, quarter):
    path = FILES.get(quarter)
    if path is None:
        raise Http404("unknown quarter")
    return FileResponse(open(path, "rb"))
