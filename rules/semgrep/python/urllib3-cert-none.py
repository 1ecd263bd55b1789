import ssl

import urllib3


def pool():
    # ruleid: python-urllib3-cert-none
    http = urllib3.PoolManager(cert_reqs="CERT_NONE")
    # ruleid: python-urllib3-cert-none
    other = urllib3.HTTPSConnectionPool("example.org", cert_reqs=ssl.CERT_NONE)
    # ruleid: python-urllib3-cert-none
    loose = urllib3.PoolManager(assert_hostname=False)
    # ok: python-urllib3-cert-none
    good = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs="/etc/ssl/ca.pem")
    return http, other, loose, good
