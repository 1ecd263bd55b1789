import subprocess

from django.http import JsonResponse


def thumbnail(request):
    source = request.GET.get("file", "")
    cmd = "convert %s -resize 64x64 /srv/media/thumb.png" % source
    proc = subprocess.Popen(cmd, shell=True)
    proc.wait()
    return JsonResponse({"status": proc.returncode})
