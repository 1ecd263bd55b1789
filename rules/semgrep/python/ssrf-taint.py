import os
import urllib.parse
import urllib.request

import httpx
import requests
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
MIRRORS = {"eu": "https://eu.mirror.example.com/", "us": "https://us.mirror.example.com/"}


def fetch():
    url = request.args.get("url")
    # ruleid: python-ssrf-taint
    requests.get(url, timeout=5)
    # ruleid: python-ssrf-taint
    urllib.request.urlopen(url)
    # ruleid: python-ssrf-taint
    requests.post(f"https://{request.args['host']}/hook", json={})
    # ruleid: python-ssrf-taint
    requests.get("https://" + request.form["host"] + ".example.com/x")
    # ok: python-ssrf-taint
    requests.get(f"https://api.example.com/users/{urllib.parse.quote(url)}")
    # ok: python-ssrf-taint
    requests.get("https://api.example.com/search?q=" + url)
    # ok: python-ssrf-taint
    requests.get(MIRRORS[url] + "index.json")
    url = "https://status.example.com/"
    # ok: python-ssrf-taint
    requests.get(url)
    # ok: python-ssrf-taint
    requests.get("https://status.example.com/health")


def session_use():
    target = request.json["callback"]
    session = requests.Session()
    # ruleid: python-ssrf-taint
    session.post(target, data=b"ping")
    # ok: python-ssrf-taint
    session.post("https://hooks.example.com/ping", data=target)


@api.get("/proxy")
async def proxy(target: str):
    async with httpx.AsyncClient() as client:
        # ruleid: python-ssrf-taint
        await client.get(target)
    # ruleid: python-ssrf-taint
    httpx.get(target)
    path = f"https://cdn.example.com/{target}"
    # ok: python-ssrf-taint
    httpx.get(path)


def django_view(request):
    # ruleid: python-ssrf-taint
    requests.get(request.GET["next"])


def from_env():
    # ruleid: python-ssrf-taint
    requests.get(os.environ["WEBHOOK_URL"])
