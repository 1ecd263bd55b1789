import hashlib


def store(user, password, content):
    # ruleid: python-weak-password-hash
    user.password_hash = hashlib.md5(password.encode()).hexdigest()
    # ruleid: python-weak-password-hash
    digest = hashlib.sha256(user.password.encode("utf-8")).hexdigest()
    h = hashlib.sha1()
    # ruleid: python-weak-password-hash
    h.update(password.encode())
    # ok: python-weak-password-hash
    etag = hashlib.sha256(content).hexdigest()
    # ok: python-weak-password-hash
    strong = hashlib.scrypt(password.encode(), salt=user.salt, n=2**14, r=8, p=1)
    return digest, etag, strong
