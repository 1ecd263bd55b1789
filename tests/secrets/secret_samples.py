"""Fake secrets in each provider's real format, built at test time.

Nothing secret-shaped is written in this file: every token is assembled from a seeded random
generator (right alphabet, prefix, length, and checksum where the provider has one), so the
repository holds no string a secret scanner would flag.

``SAMPLES[rule_id]`` gives, for each bundled rule, how to build a file the rule must flag
(``positive(rng) -> (file name, content, secret)``) and files it must not flag
(``negatives``: near-misses, placeholders, documented example values).
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

B62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits
B32 = string.ascii_uppercase + "234567"
URLSAFE = B62 + "_-"
B64 = B62 + "+/"
_B62_ORDER = string.digits + string.ascii_uppercase + string.ascii_lowercase

# Built from pieces so that this file itself holds no example key.
AWS_EXAMPLE_KEY_ID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"


def rand(rng: random.Random, alphabet: str, n: int) -> str:
    """*n* characters of *alphabet*, rejecting runs that look like placeholders."""
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        lowered = value.lower()
        if not any(
            bad in lowered
            for bad in (
                "xxxx",
                "test",
                "fake",
                "example",
                "dummy",
                "sample",
                "abcdef",
                "123456",
                "234567",
                "345678",
                "456789",
                "987654",
                "qwerty",
                "asdfgh",
                "your",
            )
        ) and not any(value[i] * 6 == value[i : i + 6] for i in range(max(0, n - 5))):
            return value


def base62_crc32(data: str) -> str:
    """GitHub/npm token checksum: CRC32 of the random part, base62, six characters."""
    value = zlib.crc32(data.encode()) & 0xFFFFFFFF
    digits = ""
    while value:
        value, rem = divmod(value, 62)
        digits = _B62_ORDER[rem] + digits
    return digits.rjust(6, "0")


def checksum_token(rng: random.Random, prefix: str) -> str:
    """``prefix`` + 30 random base62 characters + their CRC32 checksum."""
    body = rand(rng, B62, 30)
    return prefix + body + base62_crc32(body)


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random) -> str:
    """A structurally valid HS256 JWT with a random subject and signature."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"sub": rand(rng, B62, 12), "iat": 1700000000}).encode())
    return f"{header}.{payload}.{rand(rng, URLSAFE, 43)}"


def example_jwt() -> str:
    """jwt.io's well-known example token shape (claims sub=1234567890, name=John Doe)."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": "1234567890", "name": "John Doe", "iat": 1516239022}
    payload = b64url(json.dumps(claims).encode())
    return f"{header}.{payload}.{rand(random.Random(0), URLSAFE, 43)}"


def pem_body(rng: random.Random, lines: int = 6, sep: str = "\n") -> str:
    """Base64 lines of a key body."""
    return sep.join(rand(rng, B64, 64) for _ in range(lines))


@dataclass(frozen=True)
class Sample:
    """How to test one rule."""

    positive: Callable[[random.Random], tuple[str, str, str]]
    negatives: tuple[tuple[str, str], ...] = field(default=())


def token_sample(
    make: Callable[[random.Random], str],
    template: str = 'token = "{}"\n',
    name: str = "settings.py",
    negatives: tuple[tuple[str, str], ...] = (),
) -> Sample:
    """A rule whose secret is the token *make* builds, embedded by *template*."""

    def positive(rng: random.Random) -> tuple[str, str, str]:
        token = make(rng)
        return name, template.format(token), token

    return Sample(positive, negatives)


def _py(value: str, var: str = "value") -> tuple[str, str]:
    return "settings.py", f'{var} = "{value}"\n'


def _gh(prefix: str) -> Sample:
    return token_sample(
        lambda rng: checksum_token(rng, prefix),
        negatives=(
            _py(prefix + "x" * 36),
            _py(prefix + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7"),  # 35 characters
            _py(prefix + "<your-token-here>"),
        ),
    )


def _pem(kind: str) -> Callable[[random.Random], tuple[str, str, str]]:
    def positive(rng: random.Random) -> tuple[str, str, str]:
        block = f"-----BEGIN {kind}-----\n{pem_body(rng)}\n-----END {kind}-----"
        return "id_key", block + "\n", block

    return positive


def _pem_negatives(kind: str) -> tuple[tuple[str, str], ...]:
    return (
        ("README.md", f"-----BEGIN {kind}-----\n...\n-----END {kind}-----\n"),
        (
            "key.pem",
            f"-----BEGIN {kind}-----\n{'x' * 40}\n-----END {kind}-----\n",
        ),
        ("notes.txt", f"paste your key between -----BEGIN {kind}----- and the END line\n"),
    )


def _putty(rng: random.Random) -> tuple[str, str, str]:
    private = "\n".join(rand(rng, B64, 64) for _ in range(2))
    text = (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\n"
        f"Public-Lines: 2\n{rand(rng, B64, 64)}\n{rand(rng, B64, 12)}\n"
        f"Private-Lines: 2\n{private}\nPrivate-MAC: {rand(rng, HEX, 64)}\n"
    )
    secret = text[: text.index(private) + len(private) + 1]
    return "deploy.ppk", text, secret


def _service_account(rng: random.Random) -> tuple[str, str, str]:
    key = (
        "-----BEGIN PRIVATE KEY-----\\n"
        + pem_body(rng, 8, "\\n")
        + "\\n-----END PRIVATE KEY-----\\n"
    )
    doc = {
        "type": "service_account",
        "project_id": "billing-prod",
        "private_key_id": rand(rng, HEX, 40),
        "private_key": "@@KEY@@",
        "client_email": "ci@billing-prod.iam.gserviceaccount.com",
    }
    text = json.dumps(doc, indent=2).replace("@@KEY@@", key)
    return "service-account.json", text + "\n", key


def _generic(name: str, template: str, alphabet: str = B62, n: int = 32) -> Sample:
    def positive(rng: random.Random) -> tuple[str, str, str]:
        value = rand(rng, alphabet, n)
        return name, template.format(value), value

    negatives = tuple(
        (name, template.format(bad))
        for bad in (
            "changeme",
            "${DB_PASSWORD}",
            "<your-api-key>",
            "xxxxxxxxxxxxxxxxxxxxxxxx",
            "password123",
            "hunter2",
            "notHighEnoughEntropy",
            "203db13e-70c7-462b-9a3d-bf32640cb0be",
        )
    )
    return Sample(positive, negatives)


def _dotenv_value(rng: random.Random) -> tuple[str, str, str]:
    value = rand(rng, B64, 40)
    return ".env", f"STRIPE_ACCOUNT={value}\n", value


SAMPLES: dict[str, Sample] = {
    # ------------------------------------------------------------------ cloud
    "aws-access-key-id": token_sample(
        lambda rng: "AKIA" + rand(rng, B32, 16),
        'aws_access_key_id = "{}"\n',
        negatives=(
            _py(AWS_EXAMPLE_KEY_ID),
            _py("AKIA" + "TEST" * 4),
            _py("AKIA" + "ABCDEFGHJKLMNPQ"),  # 15 characters
        ),
    ),
    "aws-secret-access-key": token_sample(
        lambda rng: rand(rng, B64, 40),
        'aws_secret_access_key = "{}"\n',
        negatives=(
            _py(AWS_EXAMPLE_SECRET, "aws_secret_access_key"),
            _py("x" * 40, "aws_secret_access_key"),
            ("config.ini", "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}\n"),
        ),
    ),
    "aws-session-token": token_sample(
        lambda rng: "IQoJb3JpZ2luX2Vj" + rand(rng, B64, 200),
        "aws_session_token = {}\n",
        name="credentials.ini",
        negatives=(("credentials.ini", "aws_session_token = <session-token>\n"),),
    ),
    "aws-mws-auth-token": token_sample(
        lambda rng: "amzn.mws." + "-".join(rand(rng, HEX, n) for n in (8, 4, 4, 4, 12)),
        negatives=(_py("amzn.mws.xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"),),
    ),
    "google-api-key": token_sample(
        lambda rng: "AIza" + rand(rng, URLSAFE, 35),
        negatives=(_py("AIza" + "x" * 35), _py("AIza" + "Sy" + "B" * 10)),
    ),
    "google-service-account-private-key": Sample(
        _service_account,
        negatives=(
            (
                "sa.json",
                '{"private_key": "-----BEGIN PRIVATE KEY-----\\n...'
                '\\n-----END PRIVATE KEY-----\\n"}\n',
            ),
        ),
    ),
    "google-oauth-client-secret": token_sample(
        lambda rng: "GOCSPX-" + rand(rng, URLSAFE, 28),
        negatives=(_py("GOCSPX-" + "x" * 28), _py("GOCSPX-" + "short")),
    ),
    "google-oauth-access-token": token_sample(
        lambda rng: "ya29." + rand(rng, URLSAFE, 120),
        negatives=(_py("ya29.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), _py("ya29.short")),
    ),
    "azure-storage-account-key": token_sample(
        lambda rng: rand(rng, B64, 86) + "==",
        'AZURE_STORAGE_ACCOUNT_KEY = "{}"\n',
        negatives=(_py("<storage-account-key>", "AZURE_STORAGE_ACCOUNT_KEY"),),
    ),
    "azure-storage-connection-string": token_sample(
        lambda rng: rand(rng, B64, 86) + "==",
        'CONN = "DefaultEndpointsProtocol=https;AccountName=prodfiles;AccountKey={};'
        'EndpointSuffix=core.windows.net"\n',
        negatives=(
            _py("DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=<key>"),
        ),
    ),
    "azure-service-bus-connection-string": token_sample(
        lambda rng: rand(rng, B64, 43) + "=",
        'BUS = "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={}"\n',
        negatives=(
            _py(
                "Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=<key>"
            ),
        ),
    ),
    "azure-ad-client-secret": token_sample(
        lambda rng: (
            rand(rng, B62, 3) + rng.choice(string.digits) + "Q~" + rand(rng, B62 + "_~.-", 34)
        ),
        negatives=(_py("abc1Q~short"), _py("Q~" + "x" * 34)),
    ),
    "digitalocean-pat": token_sample(
        lambda rng: "dop_v1_" + rand(rng, HEX, 64),
        negatives=(_py("dop_v1_" + "x" * 64), _py("dop_v1_" + "a1b2" * 8)),
    ),
    "digitalocean-oauth-token": token_sample(
        lambda rng: "doo_v1_" + rand(rng, HEX, 64), negatives=(_py("doo_v1_" + "0" * 64),)
    ),
    "digitalocean-refresh-token": token_sample(
        lambda rng: "dor_v1_" + rand(rng, HEX, 64), negatives=(_py("dor_v1_" + "f" * 63),)
    ),
    "heroku-api-key": token_sample(
        lambda rng: "-".join(rand(rng, HEX, n) for n in (8, 4, 4, 4, 12)),
        'HEROKU_API_KEY = "{}"\n',
        negatives=(
            _py("00000000-0000-0000-0000-000000000000", "HEROKU_API_KEY"),
            _py("3f1b0c9e-5a2d-4f8b-9c7e-1d2a3b4c5d6e", "request_id"),
        ),
    ),
    "heroku-api-key-v2": token_sample(
        lambda rng: "HRKU-AA" + rand(rng, URLSAFE, 58), negatives=(_py("HRKU-AA" + "x" * 58),)
    ),
    # ------------------------------------------------------------------ source hosting
    "github-pat-classic": _gh("ghp_"),
    "github-oauth-token": _gh("gho_"),
    "github-app-user-token": _gh("ghu_"),
    "github-app-installation-token": _gh("ghs_"),
    "github-refresh-token": _gh("ghr_"),
    "github-fine-grained-pat": token_sample(
        lambda rng: "github_pat_" + rand(rng, B62, 22) + "_" + rand(rng, B62, 59),
        negatives=(_py("github_pat_" + "x" * 22 + "_" + "x" * 59), _py("github_pat_short_value")),
    ),
    "gitlab-pat": token_sample(
        lambda rng: "glpat-" + rand(rng, URLSAFE, 20),
        negatives=(_py("glpat-xxxxxxxxxxxxxxxxxxxx"), _py("glpat-" + "Ab3dE5gH9")),
    ),
    "gitlab-runner-token": token_sample(
        lambda rng: "glrt-" + rand(rng, URLSAFE, 20), negatives=(_py("glrt-<runner-token>"),)
    ),
    "gitlab-runner-registration-token": token_sample(
        lambda rng: "GR1348941" + rand(rng, URLSAFE, 20), negatives=(_py("GR1348941" + "x" * 20),)
    ),
    "gitlab-deploy-token": token_sample(
        lambda rng: "gldt-" + rand(rng, URLSAFE, 20), negatives=(_py("gldt-" + "Ab3dE5gH9"),)
    ),
    "gitlab-pipeline-trigger-token": token_sample(
        lambda rng: "glptt-" + rand(rng, HEX, 40), negatives=(_py("glptt-" + "0" * 40),)
    ),
    "gitlab-feed-token": token_sample(
        lambda rng: "glft-" + rand(rng, URLSAFE, 20), negatives=(_py("glft-xxxxxxxxxxxxxxxxxxxx"),)
    ),
    "gitlab-oauth-app-secret": token_sample(
        lambda rng: "gloas-" + rand(rng, HEX, 64), negatives=(_py("gloas-" + "a" * 64),)
    ),
    "atlassian-api-token": token_sample(
        lambda rng: "ATATT3" + rand(rng, URLSAFE + "=", 186), negatives=(_py("ATATT3" + "x" * 186),)
    ),
    "atlassian-legacy-api-token": token_sample(
        lambda rng: rand(rng, B62, 24),
        'JIRA_API_TOKEN = "{}"\n',
        negatives=(_py("your-jira-api-token-here", "JIRA_API_TOKEN"),),
    ),
    "bitbucket-app-password": token_sample(
        lambda rng: "ATBB" + rand(rng, B62, 32), negatives=(_py("ATBB" + "x" * 32),)
    ),
    # ------------------------------------------------------------------ messaging
    "slack-bot-token": token_sample(
        lambda rng: (
            f"xoxb-{rand(rng, string.digits, 12)}-{rand(rng, string.digits, 13)}-"
            f"{rand(rng, B62, 24)}"
        ),
        negatives=(
            _py("xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx"),
            _py("xoxb-your-token"),
        ),
    ),
    "slack-user-token": token_sample(
        lambda rng: (
            "xoxp-"
            + "-".join(rand(rng, string.digits, 12) for _ in range(3))
            + "-"
            + rand(rng, HEX, 32)
        ),
        negatives=(_py("xoxp-1234-5678"),),
    ),
    "slack-app-token": token_sample(
        lambda rng: (
            f"xapp-1-A{rand(rng, UPPER_DIGITS, 10)}-{rand(rng, string.digits, 13)}-"
            f"{rand(rng, HEX, 64)}"
        ),
        negatives=(_py("xapp-1-xxxx"),),
    ),
    "slack-config-token": token_sample(
        lambda rng: "xoxe.xoxp-1-" + rand(rng, UPPER_DIGITS, 160),
        negatives=(_py("xoxe.xoxp-1-short"),),
    ),
    "slack-webhook-url": token_sample(
        lambda rng: (
            f"https://hooks.slack.com/services/T{rand(rng, UPPER_DIGITS, 10)}/"
            f"B{rand(rng, UPPER_DIGITS, 10)}/{rand(rng, B62, 24)}"
        ),
        negatives=(
            _py("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        ),
    ),
    "discord-bot-token": token_sample(
        lambda rng: (
            rng.choice("MNO")
            + rand(rng, URLSAFE, 23)
            + "."
            + rand(rng, URLSAFE, 6)
            + "."
            + rand(rng, URLSAFE, 27)
        ),
        'DISCORD_BOT_TOKEN = "{}"\n',
        negatives=(_py("M" + "x" * 23 + ".xxxxxx." + "x" * 27, "DISCORD_BOT_TOKEN"),),
    ),
    "discord-webhook-url": token_sample(
        lambda rng: (
            f"https://discord.com/api/webhooks/{rand(rng, string.digits, 18)}/"
            f"{rand(rng, URLSAFE, 68)}"
        ),
        negatives=(_py("https://discord.com/api/webhooks/<id>/<token>"),),
    ),
    "telegram-bot-token": token_sample(
        lambda rng: rand(rng, string.digits, 10) + ":AA" + rand(rng, URLSAFE, 33),
        negatives=(_py("1234567890:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), _py("12:AAshort")),
    ),
    "twilio-api-key": token_sample(
        lambda rng: "SK" + rand(rng, HEX, 32), negatives=(_py("SK" + "0" * 32), _py("SKxyz"))
    ),
    "twilio-auth-token": token_sample(
        lambda rng: rand(rng, HEX, 32),
        'TWILIO_AUTH_TOKEN = "{}"\n',
        negatives=(_py("your_auth_token", "TWILIO_AUTH_TOKEN"),),
    ),
    "sendgrid-api-key": token_sample(
        lambda rng: "SG." + rand(rng, URLSAFE, 22) + "." + rand(rng, URLSAFE, 43),
        negatives=(_py("SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),),
    ),
    "mailgun-api-key": token_sample(
        lambda rng: "key-" + rand(rng, HEX, 32),
        negatives=(_py("key-" + "0" * 32), _py("key-value")),
    ),
    "mailgun-signing-key": token_sample(
        lambda rng: f"{rand(rng, HEX, 32)}-{rand(rng, HEX, 8)}-{rand(rng, HEX, 8)}",
        'MAILGUN_API_KEY = "{}"\n',
        negatives=(_py("<mailgun-key>", "MAILGUN_API_KEY"),),
    ),
    "mailchimp-api-key": token_sample(
        lambda rng: rand(rng, HEX, 32) + "-us" + str(rng.randint(1, 21)),
        negatives=(_py("0" * 32 + "-us6"),),
    ),
    "sendinblue-api-key": token_sample(
        lambda rng: "xkeysib-" + rand(rng, HEX, 64) + "-" + rand(rng, B62, 16),
        negatives=(_py("xkeysib-" + "x" * 64 + "-" + "x" * 16),),
    ),
    # ------------------------------------------------------------------ payments
    "stripe-live-secret-key": token_sample(
        lambda rng: "sk_live_" + rand(rng, B62, 99),
        negatives=(
            _py("sk_live_" + "x" * 24),
            _py("sk_live_short"),
            _py("sk_test_" + "Ab3dE5gH9kLmN0pQrS7tUvW2"),
        ),
    ),
    "stripe-restricted-key": token_sample(
        lambda rng: "rk_live_" + rand(rng, B62, 99), negatives=(_py("rk_live_" + "*" * 24),)
    ),
    "stripe-webhook-secret": token_sample(
        lambda rng: "whsec_" + rand(rng, B62, 32), negatives=(_py("whsec_" + "x" * 32),)
    ),
    "square-access-token": token_sample(
        lambda rng: "EAAA" + rand(rng, URLSAFE, 60), negatives=(_py("EAAA" + "x" * 60),)
    ),
    "square-oauth-secret": token_sample(
        lambda rng: "sq0csp-" + rand(rng, URLSAFE, 43), negatives=(_py("sq0csp-" + "x" * 43),)
    ),
    "shopify-access-token": token_sample(
        lambda rng: "shpat_" + rand(rng, HEX, 32), negatives=(_py("shpat_" + "0" * 32),)
    ),
    "shopify-custom-app-token": token_sample(
        lambda rng: "shpca_" + rand(rng, HEX, 32), negatives=(_py("shpca_" + "a" * 31),)
    ),
    "shopify-private-app-token": token_sample(
        lambda rng: "shppa_" + rand(rng, HEX, 32), negatives=(_py("shppa_<token>"),)
    ),
    "shopify-shared-secret": token_sample(
        lambda rng: "shpss_" + rand(rng, HEX, 32), negatives=(_py("shpss_" + "f" * 32),)
    ),
    # ------------------------------------------------------------------ packages
    "npm-access-token": token_sample(
        lambda rng: checksum_token(rng, "npm_"),
        "//registry.npmjs.org/:_authToken={}\n",
        name=".npmrc",
        negatives=(
            (".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
            _py("npm_" + "x" * 36),
        ),
    ),
    "pypi-upload-token": token_sample(
        lambda rng: "pypi-AgEIcHlwaS5vcmc" + rand(rng, URLSAFE, 150),
        "[pypi]\nusername = __token__\npassword = {}\n",
        name=".pypirc",
        negatives=((".pypirc", "[pypi]\npassword = pypi-<your-token>\n"),),
    ),
    "dockerhub-pat": token_sample(
        lambda rng: "dckr_pat_" + rand(rng, URLSAFE, 27), negatives=(_py("dckr_pat_" + "x" * 27),)
    ),
    "rubygems-api-key": token_sample(
        lambda rng: "rubygems_" + rand(rng, HEX, 48), negatives=(_py("rubygems_" + "0" * 48),)
    ),
    # ------------------------------------------------------------------ AI
    "openai-api-key": token_sample(
        lambda rng: "sk-proj-" + rand(rng, URLSAFE, 74) + "T3BlbkFJ" + rand(rng, URLSAFE, 74),
        negatives=(_py("sk-" + "x" * 20 + "T3BlbkFJ" + "x" * 20), _py("sk-your-openai-key")),
    ),
    "anthropic-api-key": token_sample(
        lambda rng: "sk-ant-api03-" + rand(rng, URLSAFE, 93) + "AA",
        negatives=(_py("sk-ant-api03-" + "x" * 93 + "AA"), _py("sk-ant-api03-short")),
    ),
    "anthropic-admin-key": token_sample(
        lambda rng: "sk-ant-admin01-" + rand(rng, URLSAFE, 93) + "AA",
        negatives=(_py("sk-ant-admin01-<key>"),),
    ),
    "huggingface-token": token_sample(
        lambda rng: "hf_" + rand(rng, string.ascii_letters, 34),
        negatives=(_py("hf_" + "x" * 34), _py("hf_" + "a" * 33)),
    ),
    "huggingface-org-token": token_sample(
        lambda rng: "api_org_" + rand(rng, string.ascii_letters, 34),
        negatives=(_py("api_org_" + "x" * 34),),
    ),
    # ------------------------------------------------------------------ observability
    "datadog-api-key": token_sample(
        lambda rng: rand(rng, HEX, 32),
        'DATADOG_API_KEY = "{}"\n',
        negatives=(_py("0" * 32, "DATADOG_API_KEY"),),
    ),
    "datadog-app-key": token_sample(
        lambda rng: rand(rng, HEX, 40),
        'DD_APP_KEY = "{}"\n',
        negatives=(_py("<app-key>", "DD_APP_KEY"),),
    ),
    "newrelic-user-api-key": token_sample(
        lambda rng: "NRAK-" + rand(rng, UPPER_DIGITS, 27), negatives=(_py("NRAK-" + "X" * 27),)
    ),
    "newrelic-license-key": token_sample(
        lambda rng: rand(rng, HEX, 36) + "NRAL", negatives=(_py("0" * 36 + "NRAL"),)
    ),
    "newrelic-insert-key": token_sample(
        lambda rng: "NRII-" + rand(rng, URLSAFE, 32), negatives=(_py("NRII-" + "x" * 32),)
    ),
    "newrelic-browser-key": token_sample(
        lambda rng: "NRJS-" + rand(rng, HEX, 19), negatives=(_py("NRJS-" + "0" * 19),)
    ),
    "sentry-dsn": token_sample(
        lambda rng: rand(rng, HEX, 32),
        'SENTRY_DSN = "https://{}@o450123.ingest.sentry.io/5501234"\n',
        negatives=(
            _py("https://<key>@o0.ingest.sentry.io/0", "SENTRY_DSN"),
            _py("https://" + "0" * 32 + "@sentry.io/1", "SENTRY_DSN"),
        ),
    ),
    "sentry-org-token": token_sample(
        lambda rng: "sntrys_eyJpYXQiO" + rand(rng, URLSAFE, 120),
        negatives=(_py("sntrys_eyJpYXQiO" + "x" * 80),),
    ),
    "sentry-user-token": token_sample(
        lambda rng: "sntryu_" + rand(rng, HEX, 64), negatives=(_py("sntryu_" + "0" * 64),)
    ),
    "sentry-legacy-auth-token": token_sample(
        lambda rng: rand(rng, HEX, 64),
        'SENTRY_AUTH_TOKEN = "{}"\n',
        negatives=(_py("0" * 64, "SENTRY_AUTH_TOKEN"),),
    ),
    # ------------------------------------------------------------------ devops
    "databricks-token": token_sample(
        lambda rng: "dapi" + rand(rng, HEX, 32),
        negatives=(_py("dapi" + "0" * 32), _py("dapi" + "f" * 31)),
    ),
    "terraform-cloud-token": token_sample(
        lambda rng: rand(rng, B62, 14) + ".atlasv1." + rand(rng, URLSAFE, 67),
        negatives=(_py("xxxxxxxxxxxxxx.atlasv1." + "x" * 67),),
    ),
    "vault-service-token": token_sample(
        lambda rng: "hvs." + rand(rng, URLSAFE, 95),
        negatives=(_py("hvs." + "x" * 95), _py("hvs.short")),
    ),
    "vault-batch-token": token_sample(
        lambda rng: "hvb." + rand(rng, URLSAFE, 150), negatives=(_py("hvb." + "x" * 150),)
    ),
    "vault-legacy-token": token_sample(
        lambda rng: "s." + rand(rng, B62, 24),
        'VAULT_TOKEN = "{}"\n',
        negatives=(_py("s.xxxxxxxxxxxxxxxxxxxxxxxx", "VAULT_TOKEN"),),
    ),
    "doppler-token": token_sample(
        lambda rng: "dp.pt." + rand(rng, B62, 43),
        negatives=(_py("dp.pt." + "x" * 43),),
    ),
    "postman-api-key": token_sample(
        lambda rng: "PMAK-" + rand(rng, HEX, 24) + "-" + rand(rng, HEX, 34),
        negatives=(_py("PMAK-" + "0" * 24 + "-" + "0" * 34),),
    ),
    "linear-api-key": token_sample(
        lambda rng: "lin_api_" + rand(rng, B62, 40), negatives=(_py("lin_api_" + "x" * 40),)
    ),
    "linear-oauth-token": token_sample(
        lambda rng: "lin_oauth_" + rand(rng, HEX, 64), negatives=(_py("lin_oauth_" + "0" * 64),)
    ),
    "grafana-service-account-token": token_sample(
        lambda rng: "glsa_" + rand(rng, B62, 32) + "_" + rand(rng, HEX, 8),
        negatives=(_py("glsa_" + "x" * 32 + "_" + "0" * 8),),
    ),
    # ------------------------------------------------------------------ credentials
    "jwt": token_sample(
        jwt,
        negatives=(
            _py("eyJhbGciOiJub25l.eyJzdWIiOiJ4In0.signature"),  # parts too short
            _py("eyJub3RKU09OISEhISE.eyJub3RKU09OISEhISE.c2lnbmF0dXJlc2ln"),  # header not JSON
            _py(example_jwt()),
        ),
    ),
    "database-url-password": token_sample(
        lambda rng: rand(rng, B62, 20),
        'DATABASE_URL = "postgresql://app:{}@db.internal:5432/app"\n',
        negatives=(
            _py("postgres://user:password@localhost:5432/db", "DATABASE_URL"),
            _py("postgres://user:${DB_PASSWORD}@db:5432/app", "DATABASE_URL"),
            _py("mysql://root:changeme@localhost/app", "DATABASE_URL"),
            _py("postgres://db.internal:5432/app", "DATABASE_URL"),
        ),
    ),
    "credentials-in-url": token_sample(
        lambda rng: rand(rng, B62, 20),
        "git clone https://deploy:{}@git.internal.net/platform/api.git\n",
        name="deploy.txt",
        negatives=(
            ("deploy.txt", "see https://user:pass@example.com/ for the format\n"),
            ("deploy.txt", "https://foo:bar@host/path\n"),
            ("deploy.txt", "https://jo%40email.com:a%20secret@host.example.org/\n"),
            ("deploy.txt", "nodeenv --mirror=https://user:p%2Fss@artifactory.example.com/nodejs\n"),
            ("deploy.txt", "MultiHostUrl('https://foo.com:123,foo:bar@bar.com/path')\n"),
            ("deploy.txt", "https://git.internal.net/platform/api.git\n"),
        ),
    ),
    "private-key": Sample(_pem("RSA PRIVATE KEY"), _pem_negatives("RSA PRIVATE KEY")),
    "private-key-openssh": Sample(
        _pem("OPENSSH PRIVATE KEY"), _pem_negatives("OPENSSH PRIVATE KEY")
    ),
    "private-key-pgp": Sample(
        _pem("PGP PRIVATE KEY BLOCK"), _pem_negatives("PGP PRIVATE KEY BLOCK")
    ),
    "private-key-putty": Sample(
        _putty,
        negatives=(("deploy.ppk", "PuTTY-User-Key-File-3: ssh-ed25519\nPrivate-Lines: 1\n...\n"),),
    ),
    # ------------------------------------------------------------------ generic
    "generic-secret-python": _generic("app/settings.py", 'STRIPE_CLIENT_SECRET = "{}"\n'),
    "generic-secret-yaml": _generic("deploy/values.yaml", "database:\n  password: {}\n"),
    "generic-secret-json": _generic("config/prod.json", '{{\n  "apiKey": "{}"\n}}\n'),
    "generic-secret-dotenv": _generic(".env.production", "DB_PASSWORD={}\n"),
    "generic-secret-ini": _generic("app.ini", "[db]\npassword = {}\n"),
    "generic-secret-shell": _generic("scripts/deploy.sh", 'export API_TOKEN="{}"\n'),
    "generic-secret-dockerfile": _generic("Dockerfile", "FROM python:3.12\nENV SERVICE_TOKEN={}\n"),
    "generic-secret-hcl": _generic("main.tf", 'resource "x" "y" {{\n  client_secret = "{}"\n}}\n'),
    "generic-secret-code": _generic("src/client.ts", 'const apiKey = "{}";\n'),
    "generic-dotenv-high-entropy": Sample(
        _dotenv_value,
        negatives=(
            (".env", "APP_URL=https://internal.example.org/callback/path\n"),
            (".env", "BUILD_ID=4f9c2d1e-8b7a-4c3d-9e2f-1a0b9c8d7e6f\n"),
            (".env", "LOG_LEVEL=debugging-verbose-mode-enabled\n"),
        ),
    ),
}
