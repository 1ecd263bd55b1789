import random
import secrets
import string

_rng = random.Random()


def new_session(store):
    # ruleid: python-insecure-random-security-value
    session = "".join(random.choice(string.hexdigits) for _ in range(32))
    store[session] = {}
    return session


def crypto_setup(cfg):
    # ruleid: python-insecure-random-security-value
    aes_key = bytes(random.getrandbits(8) for _ in range(32))
    # ruleid: python-insecure-random-security-value
    iv = random.randbytes(16)
    # ruleid: python-insecure-random-security-value
    cfg.pin = "%04d" % random.randint(0, 9999)
    # ruleid: python-insecure-random-security-value
    key = random.getrandbits(128)
    return aes_key, iv, key


def generate_invite_code():
    # ruleid: python-insecure-random-security-value
    return "".join(random.choices(string.ascii_uppercase, k=8))


def with_instance(user):
    rng = random.Random()
    # ruleid: python-insecure-random-security-value
    user.reset_token = "%x" % rng.getrandbits(64)
    return user


def safe(cfg, options):
    # ok: python-insecure-random-security-value
    session = secrets.token_hex(16)
    # ok: python-insecure-random-security-value
    aes_key = secrets.token_bytes(32)
    # ok: python-insecure-random-security-value
    key = random.choice(list(options))
    # ok: python-insecure-random-security-value
    sort_key = random.random()
    # ok: python-insecure-random-security-value
    spinner = random.choice("|/-\\")
    # ok: python-insecure-random-security-value
    cfg.pin = "%04d" % secrets.randbelow(10000)
    # ok: python-insecure-random-security-value
    sample = random.Random(42).sample(range(100), 5)
    return session, aes_key, key, sort_key, spinner, sample


def shuffle_deck(deck):
    rng = random.Random()
    # ok: python-insecure-random-security-value
    order = rng.sample(deck, len(deck))
    return order
