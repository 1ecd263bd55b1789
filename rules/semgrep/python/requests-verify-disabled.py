import httpx
import requests


def fetch(url):
    # ruleid: python-tls-verify-disabled
    r = requests.get(url, verify=False, timeout=5)
    session = requests.Session()
    # ruleid: python-tls-verify-disabled
    session.verify = False
    # ruleid: python-tls-verify-disabled
    session.post(url, data={}, verify=False)
    # ruleid: python-tls-verify-disabled
    client = httpx.Client(verify=False)
    # ok: python-tls-verify-disabled
    good = requests.get(url, timeout=5)
    # ok: python-tls-verify-disabled
    pinned = requests.get(url, verify="/etc/ssl/certs/internal-ca.pem", timeout=5)
    return r, client, good, pinned
