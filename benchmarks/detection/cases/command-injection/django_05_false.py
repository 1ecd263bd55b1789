import subprocess

from django.http import JsonResponse


def ping(request):
    hosts = [request.GET.get("host", "")]
    hosts.append("127.0.0.1")
    target = hosts.pop()
    subprocess.run(f"ping -c 1 {target}", shell=True, check=False)
    return JsonResponse({"target": "loopback"})
