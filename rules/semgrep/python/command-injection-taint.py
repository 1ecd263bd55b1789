import re
import ipaddress
import asyncio
import os
import shlex
import subprocess
import sys

from flask import Flask, request

app = Flask(__name__)
COMMANDS = {"disk": "df -h", "load": "uptime"}


def flask_args():
    host = request.args.get("host")
    # ruleid: python-command-injection-taint
    os.system("ping -c 1 " + host)
    # ruleid: python-command-injection-taint
    out = subprocess.check_output(f"nslookup {host}", shell=True)
    # ruleid: python-command-injection-taint
    os.popen("whois %s" % host).read()
    # ok: python-command-injection-taint
    subprocess.run(["ping", "-c", "1", host], check=False)
    # ok: python-command-injection-taint
    os.system("ping -c 1 " + shlex.quote(host))
    return out


@app.route("/tail/<name>")
def view_argument(name):
    # ruleid: python-command-injection-taint
    subprocess.run("tail -n 20 /var/log/" + name, shell=True)
    # ruleid: python-command-injection-taint
    subprocess.Popen([name, "--version"])
    # ok: python-command-injection-taint
    subprocess.run(["tail", "-n", "20", name])


def django_view(request):
    branch = request.POST["branch"]
    # ruleid: python-command-injection-taint
    subprocess.call("git checkout " + branch, shell=True)
    branch = "main"
    # ok: python-command-injection-taint
    subprocess.call("git checkout " + branch, shell=True)
    count = int(request.GET["n"])
    # ok: python-command-injection-taint
    os.system("seq %d" % count)


async def starlette(request):
    query = request.query_params["q"]
    # ruleid: python-command-injection-taint
    await asyncio.create_subprocess_shell("grep -r " + query + " /srv")
    # ok: python-command-injection-taint
    await asyncio.create_subprocess_exec("grep", "-r", query, "/srv")


def allow_list():
    choice = request.form["report"]
    # ok: python-command-injection-taint
    os.system(COMMANDS[choice])
    # ok: python-command-injection-taint
    os.system(COMMANDS.get(choice, "true"))
    # ok: python-command-injection-taint
    os.system("uptime")


def cli():
    # ruleid: python-command-injection-taint
    os.system("rm -rf " + sys.argv[1])
    # ruleid: python-command-injection-taint
    os.execvp(input("program: "), ["x"])
    # ok: python-command-injection-taint
    subprocess.run(["rm", "-rf", "--", sys.argv[1]])


def beyond_semgrep():
    # semgrep CE follows every branch and does not track list elements: these stay
    # findings for secgate's trace check (issue 16 §1b) to drop
    user = request.args["u"]
    argv = ["ls", user]
    # todook: python-command-injection-taint
    os.system(argv[0])
    limit = 5
    cmd = user if limit * 3 < 10 else "true"
    # todook: python-command-injection-taint
    os.system(cmd)


def validated_guards():
    host = request.args.get("host", "")
    if not re.fullmatch(r"[a-z0-9-]{1,63}", host):
        return "bad host", 400
    # ok: python-command-injection-taint
    os.system("ping -c 1 " + host)
    addr = request.args.get("addr", "")
    ipaddress.ip_address(addr)
    # ok: python-command-injection-taint
    os.system("ping -c 1 " + addr)
    count = request.args.get("count", "")
    if count.isdigit():
        # ok: python-command-injection-taint
        os.system("ping -c " + count + " localhost")
    return "ok"


def weak_guards():
    host = request.args.get("host", "")
    if not re.match(r"[a-z0-9-]+", host):
        return "bad host", 400
    # ruleid: python-command-injection-taint
    os.system("ping -c 1 " + host)
    name = request.args.get("name", "")
    if not re.fullmatch(r".+", name):
        return "bad name", 400
    # ruleid: python-command-injection-taint
    os.system("finger " + name)
    return "ok"
