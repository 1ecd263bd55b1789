from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/login")
def login():
    target = request.args.get("next")
    # ruleid: python-open-redirect
    return redirect(target)


@app.route("/go")
def go():
    # ruleid: python-open-redirect
    return redirect(request.args["url"])


@app.route("/home")
def home():
    # ok: python-open-redirect
    return redirect(url_for("index"))


def django_view(request):
    # ruleid: python-open-redirect
    return HttpResponseRedirect(request.GET.get("next", "/"))


def django_safe(request):
    nxt = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        # ok: python-open-redirect
        return HttpResponseRedirect(nxt)
    # ok: python-open-redirect
    return HttpResponseRedirect("/")
