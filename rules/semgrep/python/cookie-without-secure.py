from flask import Flask, make_response

app = Flask(__name__)
# ruleid: python-cookie-without-secure
app.config["SESSION_COOKIE_SECURE"] = False
# ruleid: python-cookie-without-secure
app.config.update(SESSION_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SECURE=False)
# ruleid: python-cookie-without-secure
CSRF_COOKIE_SECURE = False
# ok: python-cookie-without-secure
SESSION_COOKIE_SECURE = True
# ok: python-cookie-without-secure
SESSION_COOKIE_HTTPONLY = False


@app.route("/remember")
def remember():
    resp = make_response("ok")
    # ruleid: python-cookie-without-secure
    resp.set_cookie("remember", "1", httponly=True)
    # ruleid: python-cookie-without-secure
    resp.set_cookie("theme", "dark", secure=False, httponly=True)
    # ok: python-cookie-without-secure
    resp.set_cookie("sid", "abc", secure=True, httponly=True, samesite="Lax")
    # ok: python-cookie-without-secure
    resp.set_cookie("pref", "x", httponly=True, secure=app.config["COOKIE_SECURE"])
    # ok: python-cookie-without-secure
    resp.delete_cookie("old")
    return resp


def django_view(request, response):
    # ruleid: python-cookie-without-secure
    response.set_signed_cookie("uid", "42", httponly=True)
    # ok: python-cookie-without-secure
    response.set_cookie("lang", "en", max_age=3600, secure=True, httponly=True)
    return response


COOKIE_FLAGS = {"secure": True, "httponly": True, "samesite": "Lax"}


def with_flag_kwargs(resp, value):
    # ok: python-cookie-without-secure
    resp.set_cookie("prefs", value, **COOKIE_FLAGS)


def jar_copy(jar, other):
    for cookie in other:
        # ok: python-cookie-without-secure
        jar.set_cookie(cookie)
