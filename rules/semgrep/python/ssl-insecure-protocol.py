import ssl


def context():
    # ruleid: python-ssl-insecure-protocol
    old = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-insecure-protocol
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    # ok: python-ssl-insecure-protocol
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # ok: python-ssl-insecure-protocol
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return old, ctx, client
