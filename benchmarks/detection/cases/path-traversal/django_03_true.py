import shutil

from django.http import JsonResponse


def duplicate(request):
    src = request.POST.get("source", "")
    shutil.copy(f"/srv/media/{src}", "/srv/media/copy-of-file")
    return JsonResponse({"copied": True})
