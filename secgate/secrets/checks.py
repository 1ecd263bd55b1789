"""Whether a matched value is a secret: placeholders, validators, path context, allow markers.

The detector's filters, each a pure function of the value (and, for generic rules, of the
name it is assigned to, the line's facts and what the file's path says): documented example
keys and template values (:func:`is_placeholder`), a provider's structural check
(:func:`validate`: GitHub's CRC32 checksum, a JWT's JSON header), the context filters of
generic rules (:func:`generic_value_ok`: digests, UUIDs, words, patterns, tests and docs),
and the inline comments that mark a hit allowed (:func:`allow_marker`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass
from typing import Protocol

from secgate.secrets.rulemodel import shannon_entropy

#: Inline comments that mark a finding allowed, and the ``suppressed_by`` each gives.
ALLOW_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"secgate: allow", "inline:secgate-allow"),
    (b"secgate:allow", "inline:secgate-allow"),
    (b"pragma: allowlist secret", "inline:pragma-allowlist-secret"),
    (b"gitleaks:allow", "inline:gitleaks-allow"),
)
NEXTLINE_MARKER = (b"pragma: allowlist nextline secret", "inline:pragma-allowlist-secret")


_PLACEHOLDER_PARTS = (
    "example",
    "xxxx",
    "****",
    "....",
    "####",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "your_",
    "your-",
    "yourtoken",
    "yoursecret",
    "yourkey",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "%(",
    "$(",
    "dummy",
    "fake",
    "redacted",
    "notreal",
    "not_real",
    "not-real",
    "notasecret",
    "not_a_secret",
    "not-a-secret",
    "testtest",
    "replace_me",
    "replaceme",
    "insert_",
    "insert-",
    "abcdef",
    "123456",
    "234567",
    "345678",
    "456789",
    "987654",
    "qwerty",
    "asdfgh",
    "sample",
)
_PLACEHOLDER_VALUES = frozenset(
    {
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "pa$$word",
        "password1",
        "password12",
        "password123",
        "secret",
        "secret1",
        "secret123",
        "s3cr3t",
        "s3cret",
        "supersecret",
        "topsecret",
        "mysecret",
        "mypassword",
        "hunter2",
        "letmein",
        "admin",
        "admin123",
        "root",
        "toor",
        "test",
        "test123",
        "testing",
        "testpass",
        "testpassword",
        "foobar",
        "foobarbaz",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "token",
        "apikey",
        "api_key",
    }
)
_REPEATED_RUN = re.compile(rb"(.)\1{5,}")

# Generic-rule context filters.
_HEX = re.compile(rb"[0-9a-fA-F]+")
_HEX_DIGEST_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_UUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Pieces of UUIDs ("a06b-c462cffae87a"): hex groups of UUID lengths joined by dashes.
_UUID_PART = re.compile(
    rb"(?:[0-9a-fA-F]{4}|[0-9a-fA-F]{8}|[0-9a-fA-F]{12})(?:-(?:[0-9a-fA-F]{4}|[0-9a-fA-F]{8}|[0-9a-fA-F]{12}))+"
)
HASH_WORDS = re.compile(
    rb"(?i)hash|digest|sha\d|sha-\d|\bsha\b|md5|checksum|crc|commit|revision|\brev\b|"
    rb"integrity|etag|fingerprint|signature|nonce|salt"
)
_SRI = re.compile(rb"(?i)^(?:sha1|sha224|sha256|sha384|sha512|md5)[-:=]")
_WORDS = re.compile(rb"[A-Za-z_.:\-]+[0-9]{0,3}")
_WORD_PARTS = re.compile(rb"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_VOWELS = frozenset(b"aeiouyAEIOUY")
#: Regular expressions and format specs, not values: "(?:key|pwd)", "[^/]+", "{0,40}".
_PATTERN_SYNTAX = (b"(?:", b"(?P<", b"(?i)", b"[^", b"{0,", b"\\d", b"\\w", b"\\s")
_PLACEHOLDER_WORDS = re.compile(
    rb"(?i)(?:(?:foo|bar|baz|qux|quux|pass|passwd|password|pwd|secret|user|username|test|"
    rb"admin|guest|demo|none|x+|[*]+)[\W_]*)+"
)
_PASSWORD_HASH = re.compile(
    rb"(?:pbkdf2_sha\d+|pbkdf2|argon2\w*|bcrypt\w*|scrypt|sha1|md5|unsalted_\w+|crypt)\$|"
    rb"\$(?:2[abxy]?|5|6|y|argon2\w*|pbkdf2[\w-]*|scrypt)\$|\{(?:SSHA|SHA|SMD5|MD5|CRYPT)\}"
)
QUOTES = frozenset(b"'\"`")
_NAME_DENY = re.compile(
    r"(?i)(?:^|[_.-])(?:id|ids|uuid|hash|hashed|digest|sha\d*|md5|checksum|fingerprint|url|uri|"
    r"endpoint|host|path|file|filename|dir|name|names|type|types|field|fields|length|len|count|"
    r"max|min|size|format|label|prompt|pattern|regex|policy|expiry|expires|expiration|timeout|"
    r"ttl|header|headers|param|params|env|var|cls|class|key_?id|validator|validators|version|"
    r"algorithm|alg|mode|provider|backend|storage|store|prefix|suffix|template|input|widget|"
    r"form|reset|change|changed|confirm|confirmation|required|enabled|hint|help|text|msg|"
    r"message|error|errors|placeholder|description|verbose_name|display|location|source|"
    r"method|methods|scheme|style|kind|index|column|col|attr|attribute|option|options|flag|"
    r"setting|settings|manager|generator|func|function|callback|handler|class_name|context|"
    r"schema|serializer|encoder|decoder|parser|loader|lookup|mapping|map|list|set|dict|"
    r"public|pub|cache)$"
    r"|csrf|xsrf|test|fake|dummy|mock|example|sample"
    r"|public|cache_?key|foreign|primary|sort_?key|lookup|dict_?key|session_?key|keystore|"
    r"keyboard|keyword|keyfunc|key_func|key_prefix|monkey|turkey|hockey|jockey|whiskey"
)
LOCK_NAMES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "go.sum",
        "composer.lock",
        "gemfile.lock",
        "podfile.lock",
        "packages.lock.json",
        "flake.lock",
        "mix.lock",
        "pubspec.lock",
    }
)
LOCALE_PATHS = re.compile(
    r"(?i)\.(?:po|pot|mo|xliff|xlf|resx|strings|arb)$|(?:^|/)(?:locale|locales|lc_messages|i18n|"
    r"l10n|translations|lang)/"
)
DOCS_PATHS = re.compile(
    r"(?i)\.(?:md|markdown|rst|txt|adoc|asciidoc|textile|rdoc|pod|1|man|ipynb)$|"
    r"(?:^|/)(?:docs?|documentation|examples?|samples?|_?site)/"
)
TESTS_PATHS = re.compile(
    r"(?i)(?:^|/)(?:tests?|testing|__tests__|spec|specs|fixtures?|testdata|test_data|mocks?)/|"
    r"(?:^|/)(?:test_[^/]*|[^/]*_tests?\.[a-z]+|[^/]*\.(?:test|spec)\.[a-z]+|conftest\.py)$"
)


@dataclass(frozen=True)
class PathContext:
    """What a file's path says about the strings in it."""

    lockfile: bool = False
    locale: bool = False
    docs: bool = False
    tests: bool = False

    @classmethod
    def of(cls, rel: str) -> PathContext:
        """Classify *rel* (a relative POSIX path)."""
        name = rel.rsplit("/", 1)[-1].lower()
        return cls(
            lockfile=name in LOCK_NAMES,
            locale=bool(LOCALE_PATHS.search(rel)),
            docs=bool(DOCS_PATHS.search(rel)),
            tests=bool(TESTS_PATHS.search(rel)),
        )


def is_placeholder(secret: bytes) -> bool:
    """True for values that are not real secrets: examples, templates, test values."""
    text = secret.decode("latin-1").lower().strip("'\"` ")
    if text in _PLACEHOLDER_VALUES or _PLACEHOLDER_WORDS.fullmatch(secret):
        return True
    if any(part in text for part in _PLACEHOLDER_PARTS):
        return True
    return bool(_REPEATED_RUN.search(secret))


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_crc32(data: bytes) -> str:
    """CRC32 of *data* in base62, left-padded to 6 characters (GitHub and npm tokens)."""
    value = zlib.crc32(data) & 0xFFFFFFFF
    digits = []
    while value:
        value, rem = divmod(value, 62)
        digits.append(_B62[rem])
    return "".join(reversed(digits)).rjust(6, "0")


def _valid_checksum_token(secret: bytes) -> bool:
    body = secret.rsplit(b"_", 1)[-1]
    if len(body) < 7:
        return False
    return base62_crc32(body[:-6]) == body[-6:].decode("latin-1")


#: Claims of the JWTs that documentation copies around (jwt.io's default token, PyJWT's).
_EXAMPLE_JWT_CLAIMS = ({"sub": "1234567890", "name": "John Doe"}, {"some": "payload"})


def _jwt_part(part: bytes) -> object:
    return json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)))


def _valid_jwt(secret: bytes) -> bool:
    """A JSON header with ``alg``, and not one of the well-known documentation examples."""
    header, payload = secret.split(b".")[:2]
    try:
        data = _jwt_part(header)
        claims = _jwt_part(payload)
    except (binascii.Error, ValueError):
        return False
    if not (isinstance(data, dict) and "alg" in data):
        return False
    if isinstance(claims, dict):
        for example in _EXAMPLE_JWT_CLAIMS:
            if all(claims.get(k) == v for k, v in example.items()):
                return False
    return True


def validate(validator: str | None, secret: bytes) -> bool | None:
    """Run a rule's structural validator: True/False, or None when the rule has none."""
    if validator in ("github-checksum", "npm-checksum"):
        return _valid_checksum_token(secret)
    if validator == "jwt":
        return _valid_jwt(secret)
    return None


def allow_marker(line: bytes) -> str | None:
    lowered = line.lower()
    for marker, reason in ALLOW_MARKERS:
        if marker in lowered:
            return reason
    return None


def _looks_like_words(value: bytes) -> bool:
    """Letters in words ("notHighEnoughEntropy", "IAmSensitive", "FORBIDDEN_VALUE2").

    Random letters split into short, vowel-less pieces ("kQmZrTb" is k, Qm, Zr, Tb); words
    split into pieces of three letters or more on average, mostly with vowels.
    """
    if not _WORDS.fullmatch(value):
        return False
    parts = _WORD_PARTS.findall(value)
    if not parts:
        return False
    letters = sum(len(p) for p in parts)
    voiced = sum(len(p) for p in parts if any(c in _VOWELS for c in p))
    return letters / len(parts) >= 3 and voiced >= 0.6 * letters  # "cmd_password" is words


def generic_value_ok(value: bytes, name: bytes, line: LineFacts, context: PathContext) -> bool:
    """Context filters for a value assigned to a secret-looking name."""
    if name and _NAME_DENY.search(name.decode("latin-1").strip("_")):
        return False
    if _PASSWORD_HASH.match(value):
        return False  # a password *hash* (Django, bcrypt, LDAP): not the password
    if _UUID.fullmatch(value) or _UUID_PART.fullmatch(value) or _SRI.match(value):
        return False
    if value.startswith((b"http://", b"https://", b"/", b"./", b"../", b"~/", b"$", b"%", b"@")):
        return False
    is_hex = _HEX.fullmatch(value) is not None
    if is_hex and len(value) in _HEX_DIGEST_LENGTHS and line.hash_words():
        return False
    if not is_hex and _looks_like_words(value):
        return False  # words: "notHighEnoughEntropy", "set-password", "FORBIDDEN_VALUE2"
    classes = sum(
        (
            any(97 <= b <= 122 for b in value),
            any(65 <= b <= 90 for b in value),
            any(48 <= b <= 57 for b in value),
            any(not (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) for b in value),
        )
    )
    if classes < 2:
        return is_hex and len(value) >= 16 and shannon_entropy(value) >= 3.0
    if (b"{" in value and b"}" in value) or b"%s" in value or b"%d" in value:
        return False  # a format string or template
    if any(token in value for token in _PATTERN_SYNTAX):
        return False  # a regular expression
    if context.tests or context.docs:
        return len(value) >= 20 and shannon_entropy(value) >= 3.5
    return True


class LineFacts(Protocol):
    """What :func:`generic_value_ok` asks of the line a value is on (computed once per line)."""

    def hash_words(self) -> bool:
        """Whether the line names a hash, digest, commit…"""
        ...
