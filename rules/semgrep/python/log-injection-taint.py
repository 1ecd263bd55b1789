import re
import json
import logging

from flask import Flask, current_app, request

app = Flask(__name__)
logger = logging.getLogger(__name__)
log = logging.getLogger("audit")


@app.route("/login", methods=["POST"])
def login():
    user = request.form["user"]
    # ruleid: python-log-injection-taint
    logger.info("login attempt for " + user)
    # ruleid: python-log-injection-taint
    logging.warning("failed login for %s", user)
    # ruleid: python-log-injection-taint
    current_app.logger.error(f"bad password for {user}")
    return "ok"


@app.route("/item/<item_id>")
def item(item_id):
    # ruleid: python-log-injection-taint
    log.debug("item %s requested", item_id)
    return "ok"


def django_view(request):
    agent = request.META.get("HTTP_USER_AGENT", "")
    # ruleid: python-log-injection-taint
    logger.info("agent: %s" % agent)
    return agent


@app.route("/safe", methods=["POST"])
def safe():
    user = request.form["user"]
    # ok: python-log-injection-taint
    logger.info("login attempt for %r", user)
    # ok: python-log-injection-taint
    logger.info("login attempt for " + repr(user))
    # ok: python-log-injection-taint
    logger.info("login attempt for %s", user.replace("\n", "\\n"))
    # ok: python-log-injection-taint
    logger.info("login attempt for %r" % user)
    return "ok"


@app.route("/count")
def count():
    n = int(request.args.get("n", "0"))
    # ok: python-log-injection-taint
    logger.info("count %s", n)
    user = request.args.get("user")
    user = "anonymous"
    # ok: python-log-injection-taint
    logger.info("user %s", user)
    # ok: python-log-injection-taint
    logger.info("static message")
    return "ok"


class Service:
    def __init__(self):
        self._log = logging.getLogger("svc")

    def handle(self):
        # ruleid: python-log-injection-taint
        self._log.warning("input was %s", input())
        # ok: python-log-injection-taint
        self._log.warning("input was %r", input())


def validated_logs():
    user = request.args.get("user", "")
    # ok: python-log-injection-taint
    logging.info("login attempt %s", json.dumps(user))
    if re.match(r"^[A-Za-z0-9_]{1,32}$", user):
        # ok: python-log-injection-taint
        logging.info("login attempt for " + user)
    other = request.args.get("other", "")
    if re.search(r"[A-Za-z]", other):
        # ruleid: python-log-injection-taint
        logging.info("login attempt for " + other)
