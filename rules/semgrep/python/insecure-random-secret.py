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


def send_otp(user):
    # ruleid: python-insecure-random-secret
    code = random.randint(100000, 999999)
    user.notify(code)


def csrf_value():
    rng = random.Random()
    # ruleid: python-insecure-random-secret
    return "%016x" % rng.getrandbits(64)


def main():
    alphabet = string.ascii_letters + string.digits + string.punctuation
    # ruleid: python-insecure-random-secret
    print("".join(random.choice(alphabet) for _ in range(16)))


def start(resp):
    value = "%032x" % random.getrandbits(128)
    # ruleid: python-insecure-random-secret
    resp.set_cookie("visitor", value, secure=True, httponly=True)


def begin(resp):
    # ruleid: python-insecure-random-secret
    sid = "%032x" % random.getrandbits(128)
    resp.headers["X-Session"] = sid


def retry_backoff(attempt):
    # ok: python-insecure-random-secret
    return min(60, 2**attempt) + random.uniform(0, 1)


def playlist(songs, stats):
    # ok: python-insecure-random-secret
    random.shuffle(songs)
    # ok: python-insecure-random-secret
    title = " ".join(random.sample(["blue", "quiet", "river", "stone"], 2))
    sample = random.randint(1, 6)
    # ok: python-insecure-random-secret
    stats["roll"] = sample
    # ok: python-insecure-random-secret
    resp_colour = random.choice(["red", "green"])
    return title, resp_colour


def new_session_token():
    # ok: python-insecure-random-secret
    return secrets.token_urlsafe(32)
