import ssl
import urllib.request


def open_url(url):
    # ruleid: python-ssl-unverified-context
    ctx = ssl._create_unverified_context()
    strict = ssl.create_default_context()
    # ruleid: python-ssl-unverified-context
    strict.check_hostname = False
    # ruleid: python-ssl-unverified-context
    strict.verify_mode = ssl.CERT_NONE
    # ok: python-ssl-unverified-context
    good = ssl.create_default_context()
    # ok: python-ssl-unverified-context
    good.verify_mode = ssl.CERT_REQUIRED
    return urllib.request.urlopen(url, context=good), ctx
