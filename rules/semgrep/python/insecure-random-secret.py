import random
import secrets
import string


def make_reset_token(user):
    # ruleid: python-insecure-random-secret
    return "".join(random.choice(string.ascii_letters) for _ in range(32))


def issue(user):
    # ruleid: python-insecure-random-secret
    password = str(random.randint(100000, 999999))
    # ruleid: python-insecure-random-secret
    user.api_key = "%032x" % random.getrandbits(128)
    # ok: python-insecure-random-secret
    user.session_token = secrets.token_urlsafe(32)
    # ok: python-insecure-random-secret
    delay = random.uniform(0.1, 0.5)
    # ok: python-insecure-random-secret
    colour = random.choice(["red", "green"])
    return password, delay, colour
