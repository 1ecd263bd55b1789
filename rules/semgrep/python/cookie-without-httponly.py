from flask import Flask, make_response

app = Flask(__name__)
# ruleid: python-cookie-without-httponly
app.config["SESSION_COOKIE_HTTPONLY"] = False
# ruleid: python-cookie-without-httponly
SESSION_COOKIE_HTTPONLY = False
# ok: python-cookie-without-httponly
SESSION_COOKIE_HTTPONLY = True
# ok: python-cookie-without-httponly
CSRF_COOKIE_HTTPONLY = False
# ok: python-cookie-without-httponly
SESSION_COOKIE_SECURE = False


@app.route("/remember")
def remember():
    resp = make_response("ok")
    # ruleid: python-cookie-without-httponly
    resp.set_cookie("remember", "1", secure=True)
    # ruleid: python-cookie-without-httponly
    resp.set_cookie("sid", "abc", secure=True, httponly=False)
    # ok: python-cookie-without-httponly
    resp.set_cookie("sid", "abc", httponly=True, secure=True)
    # ok: python-cookie-without-httponly
    resp.set_cookie("pref", "x", secure=True, httponly=app.config["HTTPONLY"])
    return resp


def django_view(request, response):
    # ruleid: python-cookie-without-httponly
    response.set_signed_cookie("uid", "42", secure=True)
    # ok: python-cookie-without-httponly
    response.set_signed_cookie("uid", "42", secure=True, httponly=True)
    return response


COOKIE_FLAGS = {"secure": True, "httponly": True, "samesite": "Lax"}


def with_flag_kwargs(resp, value):
    # ok: python-cookie-without-httponly
    resp.set_cookie("prefs", value, **COOKIE_FLAGS)


def jar_copy(jar, other):
    for cookie in other:
        # ok: python-cookie-without-httponly
        jar.set_cookie(cookie)
