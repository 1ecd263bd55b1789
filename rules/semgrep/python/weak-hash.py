import hashlib
from hashlib import md5, sha1

from Crypto.Hash import MD5
from cryptography.hazmat.primitives import hashes


def sign(payload, key, algorithm, password):
    # ruleid: python-weak-hash
    digest = hashlib.md5(payload).hexdigest()
    # ruleid: python-weak-hash
    sha1(key + payload).hexdigest()
    # ruleid: python-weak-hash
    hashlib.new("md5", payload)
    # ruleid: python-weak-hash
    hashlib.new("SHA1")
    name = "md5"
    # ruleid: python-weak-hash
    hashlib.new(name, payload)
    # ruleid: python-weak-hash
    MD5.new(payload)
    # ruleid: python-weak-hash
    hashes.Hash(hashes.SHA1())
    # ok: python-weak-hash
    etag = md5(payload, usedforsecurity=False).hexdigest()
    # ok: python-weak-hash
    hashlib.new("md5", payload, usedforsecurity=False)
    # ok: python-weak-hash
    hashlib.sha256(payload).hexdigest()
    # ok: python-weak-hash
    hashlib.new("sha256", payload)
    # ok: python-weak-hash
    hashes.Hash(hashes.SHA256())
    # ok: python-weak-hash
    hashlib.md5(password.encode()).hexdigest()
    return digest, etag


def by_name(payload, algorithm, config):
    # ruleid: python-hash-name-from-variable
    hashlib.new(algorithm, payload)
    # ruleid: python-hash-name-from-variable
    hashlib.new(config["hash"])
    # ruleid: python-hash-name-from-variable
    hashlib.new(name=algorithm)
    # ok: python-hash-name-from-variable
    hashlib.new("sha256", payload)
    fixed = "sha512"
    # ok: python-hash-name-from-variable
    hashlib.new(fixed, payload)
    # ok: python-hash-name-from-variable
    hashlib.new(algorithm, payload, usedforsecurity=False)
