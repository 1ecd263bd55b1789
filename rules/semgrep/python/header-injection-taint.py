import requests
from django.http import HttpResponse
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from flask import Flask, Response, make_response, request

app = Flask(__name__)
api = FastAPI()


@app.route("/lang")
def lang():
    resp = make_response("ok")
    # ruleid: python-header-injection-taint
    resp.headers["Content-Language"] = request.args.get("lang", "en")
    return resp


@app.route("/dl/<name>")
def download(name):
    response = Response(b"data")
    # ruleid: python-header-injection-taint
    response.headers.add("Content-Disposition", "attachment; filename=" + name)
    return response


def django_view(request):
    response = HttpResponse("ok")
    # ruleid: python-header-injection-taint
    response["X-Forwarded-User"] = request.GET.get("user", "")
    return response


@api.get("/echo")
async def echo(tag: str):
    # ruleid: python-header-injection-taint
    return PlainTextResponse("ok", headers={"X-Tag": tag})


@app.route("/lang-clean")
def lang_clean():
    resp = make_response("ok")
    value = request.args.get("lang", "en").replace("\r", "").replace("\n", "")
    # ok: python-header-injection-taint
    resp.headers["Content-Language"] = value
    return resp


@app.route("/count")
def count():
    resp = make_response("ok")
    # ok: python-header-injection-taint
    resp.headers["X-Count"] = str(int(request.args.get("n", "0")))
    return resp


@app.route("/overwritten")
def overwritten():
    lang = request.args.get("lang")
    lang = "en"
    resp = make_response("ok")
    # ok: python-header-injection-taint
    resp.headers["Content-Language"] = lang
    # ok: python-header-injection-taint
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def django_json(request):
    data = {}
    # ok: python-header-injection-taint
    data["user"] = request.GET.get("user", "")
    return data


def client():
    import os

    s = requests.Session()
    # ok: python-header-injection-taint
    s.headers["Authorization"] = "Bearer " + os.environ["API_TOKEN"]
    return s


@app.route("/tenant/<tenant>")
def tenant_header(tenant):
    # ruleid: python-header-injection-taint
    return {"ok": True}, 200, {"X-Tenant": tenant}


@app.route("/tenant-id/<int:tenant>")
def tenant_number(tenant):
    # ok: python-header-injection-taint
    return {"ok": True}, 200, {"X-Tenant": str(int(tenant))}


def django_header_kwarg(request):
    from django.http import HttpResponse

    # ruleid: python-header-injection-taint
    return HttpResponse("ok", headers={"X-Note": request.POST.get("note", "")})
