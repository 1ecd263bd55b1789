from urllib.parse import urlparse

from django.http import HttpResponseRedirect
from django.shortcuts import redirect as dj_redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, abort, redirect, request, url_for

app = Flask(__name__)
api = FastAPI()
ALLOWED = {"example.org"}


@app.route("/login")
def login():
    target = request.args.get("next")
    # ruleid: python-open-redirect-taint
    return redirect(target)


@app.route("/go/<path:dest>")
def go(dest):
    # ruleid: python-open-redirect-taint
    return redirect("https://" + dest)


def django_view(request):
    # ruleid: python-open-redirect-taint
    return HttpResponseRedirect(request.GET.get("next", "/"))


def django_shortcut(request):
    # ruleid: python-open-redirect-taint
    return dj_redirect(request.POST["next"])


@api.get("/out")
async def out(url: str):
    # ruleid: python-open-redirect-taint
    return RedirectResponse(url=url)


@app.route("/home")
def home():
    # ok: python-open-redirect-taint
    return redirect(url_for("index", tab=request.args.get("tab")))


def django_checked(request):
    nxt = request.GET.get("next", "/")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        # ok: python-open-redirect-taint
        return HttpResponseRedirect(nxt)
    # ok: python-open-redirect-taint
    return HttpResponseRedirect(reverse("home"))


def django_rejected(request):
    nxt = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts=None):
        nxt = "/"
    # ok: python-open-redirect-taint
    return HttpResponseRedirect(nxt)


@app.route("/netloc")
def netloc_checked():
    nxt = request.args.get("next", "/")
    if urlparse(nxt).netloc not in ALLOWED:
        abort(400)
    # ok: python-open-redirect-taint
    return redirect(nxt)


@app.route("/overwritten")
def overwritten():
    nxt = request.args.get("next")
    nxt = "/dashboard"
    # ok: python-open-redirect-taint
    return redirect(nxt)


@app.route("/page")
def page():
    n = int(request.args.get("page", "1"))
    # ok: python-open-redirect-taint
    return redirect("/list?page=%d" % n)


DESTINATION_TABLE = {"home": "/", "account": "/account"}


@app.route("/go-table")
def go_table():
    # ok: python-open-redirect-taint
    return redirect(DESTINATION_TABLE.get(request.args.get("to", ""), "/"))


@app.route("/go-raw")
def go_raw():
    # ruleid: python-open-redirect-taint
    return redirect(request.args.get("to", "/"))
