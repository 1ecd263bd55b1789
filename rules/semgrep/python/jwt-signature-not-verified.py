import jwt


def claims(token, key):
    # ruleid: python-jwt-signature-not-verified
    unsafe = jwt.decode(token, options={"verify_signature": False})
    # ruleid: python-jwt-signature-not-verified
    legacy = jwt.decode(token, key, verify=False)
    opts = {"verify_signature": False, "verify_exp": True}
    # ruleid: python-jwt-signature-not-verified
    other = jwt.decode(token, options=opts)
    # ok: python-jwt-signature-not-verified
    good = jwt.decode(token, key, algorithms=["HS256"])
    return unsafe, legacy, other, good
