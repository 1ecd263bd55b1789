from django.shortcuts import render
from django.utils.safestring import mark_safe


def profile(request):
    motto = request.GET.get("motto", "")
    return render(request, "profile.html", {"motto": mark_safe(f"<em>{motto}</em>")})
