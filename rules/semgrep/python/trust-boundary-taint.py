from flask import Flask, g, request, session

app = Flask(__name__)
ROLES = {"admin", "user"}


@app.route("/prefs", methods=["POST"])
def prefs():
    # ruleid: python-trust-boundary-taint
    session["role"] = request.form["role"]
    # ruleid: python-trust-boundary-taint
    g.user_name = request.headers.get("X-User")
    return "ok"


@app.route("/as/<user>")
def impersonate(user):
    # ruleid: python-trust-boundary-taint
    session["user"] = user
    return "ok"


def django_view(request):
    # ruleid: python-trust-boundary-taint
    request.session["cart_owner"] = request.POST.get("owner")
    return None


@app.route("/page")
def page():
    # ok: python-trust-boundary-taint
    session["page"] = int(request.args.get("page", "1"))
    role = request.args.get("role")
    role = "user"
    # ok: python-trust-boundary-taint
    session["role"] = role
    # ok: python-trust-boundary-taint
    session["visited"] = True
    # ok: python-trust-boundary-taint
    g.request_id = "fixed"
    return "ok"


def django_safe(request):
    # ok: python-trust-boundary-taint
    request.session["user_id"] = request.user.pk
    # ok: python-trust-boundary-taint
    request.session["theme"] = "dark"
    return None


def django_login(request, User):
    user = User.objects.get(username=request.POST["username"])
    # ok: python-trust-boundary-taint
    request.session["uid"] = user.pk
    # ok: python-trust-boundary-taint
    request.session["user_id"] = User.objects.get(email=request.POST["email"]).id
    # ruleid: python-trust-boundary-taint
    request.session["name"] = User.objects.get(email=request.POST["email"]).name
