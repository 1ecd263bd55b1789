from django.shortcuts import render
import html
import json

import bleach
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from flask import Flask, Response, jsonify, make_response, render_template, render_template_string, request
from markupsafe import Markup
from markupsafe import escape as mescape

app = Flask(__name__)
api = FastAPI()


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: python-xss-taint
    return f"<h1>Hello {name}</h1>"


@app.route("/greet/<name>")
def greet(name):
    page = "<p>Hi " + name + "</p>"
    # ruleid: python-xss-taint
    return page, 200


@app.route("/resp")
def resp():
    q = request.args["q"]
    # ruleid: python-xss-taint
    r = make_response("<p>%s</p>" % q)
    r.headers["X-Frame-Options"] = "DENY"
    return r


@app.route("/markup")
def markup():
    # ruleid: python-xss-taint
    return Markup("<b>" + request.form["title"] + "</b>")


@app.route("/tpl")
def tpl():
    # ok: python-xss-taint
    return render_template_string("<p>" + request.args.get("msg", "") + "</p>")


def django_view(request):
    q = request.GET.get("q", "")
    # ruleid: python-xss-taint
    return HttpResponse("<p>Results for %s</p>" % q)


def django_safe_string(request):
    # ruleid: python-xss-taint
    return HttpResponse(mark_safe(request.POST["bio"]))


@api.get("/page", response_class=HTMLResponse)
async def page(title: str):
    # ruleid: python-xss-taint
    return HTMLResponse(f"<title>{title}</title>")


@app.route("/escaped")
def escaped():
    name = request.args.get("name", "")
    # ok: python-xss-taint
    a = f"<h1>Hello {mescape(name)}</h1>"
    # ok: python-xss-taint
    b = "<p>" + html.escape(name) + "</p>"
    # ok: python-xss-taint
    c = Markup("<p>{}</p>").format(name)
    # ok: python-xss-taint
    return a + b + c + bleach.clean(name)


@app.route("/json")
def as_json():
    q = request.args.get("q")
    # ok: python-xss-taint
    return jsonify(query=q)


@app.route("/template")
def template():
    # ok: python-xss-taint
    return render_template("page.html", name=request.args.get("name"))


@app.route("/json-text")
def json_text():
    q = request.args.get("q")
    # ok: python-xss-taint
    return Response(json.dumps({"q": q}), mimetype="application/json")


@app.route("/overwritten")
def overwritten():
    name = request.args.get("name")
    name = "world"
    # ok: python-xss-taint
    return "<p>Hello " + name + "</p>"


@app.route("/count")
def count():
    n = int(request.args.get("n", "0"))
    # ok: python-xss-taint
    return f"<p>{n} items</p>"


@app.route("/dict")
def as_dict():
    # ok: python-xss-taint
    return {"q": request.args.get("q")}


def django_escaped(request):
    q = request.GET.get("q", "")
    # ok: python-xss-taint
    r1 = HttpResponse("<p>%s</p>" % escape(q))
    # ok: python-xss-taint
    r2 = HttpResponse(format_html("<p>{}</p>", q))
    # ok: python-xss-taint
    r3 = HttpResponse(q, content_type="text/plain")
    # ok: python-xss-taint
    r4 = JsonResponse({"q": q})
    return r1, r2, r3, r4


def constant_only(request):
    # ok: python-xss-taint
    return HttpResponse("<p>static</p>")


async def starlette_named(req):
    name = req.query_params.get("name", "")
    # ruleid: python-xss-taint
    return HTMLResponse("<p>Hello " + name + "</p>")


def django_marked_in_context(request):
    motto = request.GET.get("motto", "")
    # ruleid: python-xss-taint
    return render(request, "profile.html", {"motto": mark_safe("<em>" + motto + "</em>")})


def django_escaped_in_context(request):
    motto = request.GET.get("motto", "")
    # ok: python-xss-taint
    return render(request, "profile.html", {"motto": motto})


@api.get("/echo")
def echo_keyword(q: str):
    # ruleid: python-xss-taint
    return HTMLResponse(content="<div>" + q + "</div>")



@app.route("/bio")
def bio():
    text = request.args.get("bio", "")
    # ok: python-xss-taint
    return render_template_string("<div>{{ bio }}</div>", bio=text)


@app.route("/bio-raw")
def bio_raw():
    text = request.args.get("bio", "")
    # ruleid: python-xss-taint
    return render_template_string("<div>{{ bio|safe }}</div>", bio=text)
