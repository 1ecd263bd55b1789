import subprocess

from django.http import JsonResponse


def commits_by(request, author):
    out = subprocess.check_output(f"git log --oneline --author={author}", shell=True)
    return JsonResponse({"count": len(out.splitlines())})
