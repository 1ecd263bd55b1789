"""Accounts: weak password hashing, guessable tokens, asserts as access control."""

import hashlib
import random
import string


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()


def new_reset_token():
    return "".join(random.choice(string.ascii_letters) for _ in range(24))


def delete_everything(user):
    assert user.is_admin, "admins only"
    return "deleted"
