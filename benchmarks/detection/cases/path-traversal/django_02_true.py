from django.http import FileResponse


def invoice_pdf(request, filename):
    return FileResponse(open(f"/srv/invoices/{filename}", "rb"))
