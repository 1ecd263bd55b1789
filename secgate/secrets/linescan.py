"""The detector: finds secrets in one file's bytes, fast, without ever crashing on the input.

How a file is scanned:

1. Its size is checked before it is read (default limit 10 MB); it is read once, as bytes.
   A file with NUL bytes in its first 8 KiB is decoded to UTF-8 first when it starts with
   a UTF-16/UTF-32 byte-order mark; else it is still scanned, each NUL read as a space (a
   separator), when its name says it is text (``.env*``, ``*.sh``, ``*.py``, ``Dockerfile``
   …, :func:`text_by_name`: bash, python-dotenv and Python load such files) or its content
   is mostly text (:func:`mostly_text`); only what is neither is binary and skipped. Any
   other encoding, invalid UTF-8 included, is scanned as bytes: tokens are ASCII, and
   nothing is decoded until a line is shown (with replacement characters). A Python file
   is also decoded by its declared source coding when that can spell text in other bytes
   (``utf-7``, ``unicode_escape``…, :func:`python_source_view`), and the decoded text is
   scanned too (its hits report the decoded text's lines); an unknown declared coding is
   an ``encoding`` gap.
2. **Keyword pre-filter**: every rule's keywords are combined into one alternation, run
   once over the lower-cased file (one DFA pass with RE2). Only lines holding a keyword are
   candidates, and on each only the rules owning the keywords found are tried.
3. Each match's secret is checked: the rule's minimum entropy, its allowlist, the
   placeholder filter (documented example keys, ``xxxx``, ``<your-token>``, ``${VAR}``,
   ``changeme``, obvious test values, sequences), a structural validator where the provider
   has one (GitHub's CRC32 checksum, a JWT's JSON header). Generic rules (secret-looking
   name = value) also get the context filters: hex digests and commit SHAs, UUIDs, SRI and
   lock-file integrity hashes, data URIs, field names, and stricter limits in tests and
   documentation; they never run on locale or lock files.
4. Overlapping hits keep one (the most specific rule); an inline ``secgate: allow``,
   ``pragma: allowlist secret`` or ``gitleaks:allow`` marks a hit as allowed (reported,
   not dropped).

With RE2 (the default engine), time is linear in the length of the input, however many
hits one line holds (a minified
file with thousands of keys on a line): every line-wide check is made once per line, the
choice among overlapping hits works on clusters of overlapping hits, columns are counted
incrementally, and a multi-line rule (a private key block) searches forward from where its
last search ended, to the end of the text, with no fixed look-ahead deciding a match.

The detector returns :class:`Hit` objects holding the secret's bytes, for the caller to
fingerprint and redact: nothing in this module logs or raises with a secret in it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import io
import json
import os
import re
import tokenize
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from secgate.models import Confidence, GapKind
from secgate.secrets.gitleaks import Rule, shannon_entropy
from secgate.secrets.regex import Match, PathMatcher, Pattern, compile_pattern, engine_name

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
BINARY_PROBE = 8192

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
_HASH_WORDS = re.compile(
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
_QUOTES = frozenset(b"'\"`")
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
_LOCK_NAMES = frozenset(
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
_LOCALE = re.compile(
    r"(?i)\.(?:po|pot|mo|xliff|xlf|resx|strings|arb)$|(?:^|/)(?:locale|locales|lc_messages|i18n|"
    r"l10n|translations|lang)/"
)
_DOCS = re.compile(
    r"(?i)\.(?:md|markdown|rst|txt|adoc|asciidoc|textile|rdoc|pod|1|man|ipynb)$|"
    r"(?:^|/)(?:docs?|documentation|examples?|samples?|_?site)/"
)
_TESTS = re.compile(
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
            lockfile=name in _LOCK_NAMES,
            locale=bool(_LOCALE.search(rel)),
            docs=bool(_DOCS.search(rel)),
            tests=bool(_TESTS.search(rel)),
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


@dataclass(frozen=True)
class Hit:
    """One secret found: where, by which rule, and its value (for hashing and redaction)."""

    rule: Rule
    line: int
    column: int
    end_line: int
    start: int
    end: int
    secret: bytes
    line_text: bytes
    """The first line of the match, raw (the caller redacts it)."""
    line_offset: int
    """Byte offset of :attr:`line_text` in the scanned data."""
    confidence: Confidence
    allowed_by: str | None = None
    decoded_from: str | None = None
    """The source coding (``utf-7``…) of the decoded view this hit was found in: its
    line, column and offsets are then those of the decoded text (what Python runs)."""


@dataclass
class FileResult:
    """What one file gave: hits, or the reason (and kind of gap) it was skipped.

    A Python file whose declared coding is unknown has both: the hits of its raw bytes,
    and a gap of kind ``encoding`` (what Python would decode it to is unknown).
    """

    hits: list[Hit] = field(default_factory=list)
    skipped: str | None = None
    size: int = 0
    kind: GapKind | None = None
    """The kind of gap when :attr:`skipped` is set."""


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    order: int
    pattern: Pattern
    group: int
    """Group holding the secret; -1: the first group that matched, else the whole match."""
    name_group: int
    allow_regexes: tuple[tuple[Pattern, str], ...]
    stopwords: tuple[bytes, ...]


def _compile_rule(rule: Rule, order: int, engine: str) -> _Compiled:
    pattern = compile_pattern(rule.regex, engine)
    group: int
    if isinstance(rule.secret_group, int):
        group = rule.secret_group
    elif isinstance(rule.secret_group, str):
        group = pattern.groupindex[rule.secret_group]
    elif "secret" in pattern.groupindex:
        group = pattern.groupindex["secret"]
    else:
        group = -1 if pattern.groups else 0
    allow_regexes = tuple(
        (compile_pattern(src, engine), allow.regex_target)
        for allow in rule.allowlists
        for src in allow.regexes
    )
    return _Compiled(
        rule=rule,
        order=order,
        pattern=pattern,
        group=group,
        name_group=pattern.groupindex.get("name", 0),
        allow_regexes=allow_regexes,
        stopwords=tuple(
            w.lower().encode("utf-8") for allow in rule.allowlists for w in allow.stopwords
        ),
    )


def _decode_bom(data: bytes) -> bytes | None:
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, "replace").encode("utf-8", "replace")
    return None


#: Names and endings of files that are text whatever bytes they hold: shells, dotenv
#: loaders and interpreters read them even with a NUL in them, so the detector does too.
_TEXT_NAMES = frozenset(
    {
        "dockerfile",
        "containerfile",
        "makefile",
        "gnumakefile",
        "jenkinsfile",
        "vagrantfile",
        "procfile",
        "gemfile",
        "rakefile",
        "brewfile",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".profile",
        ".zshrc",
        ".zprofile",
        ".zshenv",
        ".kshrc",
        ".npmrc",
        ".yarnrc",
        ".pypirc",
        ".netrc",
        ".pgpass",
        ".gitconfig",
        ".git-credentials",
        ".htpasswd",
        ".envrc",
        "credentials",
        "config",
    }
)
_TEXT_SUFFIXES = (
    ".sh",
    ".bash",
    ".zsh",
    ".ksh",
    ".fish",
    ".ps1",
    ".psm1",
    ".psd1",
    ".bat",
    ".cmd",
    ".env",
    ".ini",
    ".cfg",
    ".conf",
    ".cnf",
    ".toml",
    ".yaml",
    ".yml",
    ".json",
    ".jsonc",
    ".json5",
    ".py",
    ".pyw",
    ".pyi",
    ".properties",
    ".txt",
    ".md",
    ".rst",
    ".xml",
    ".tf",
    ".tfvars",
    ".hcl",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".jsx",
    ".tsx",
    ".rb",
    ".php",
    ".go",
    ".java",
    ".kt",
    ".cs",
    ".rs",
    ".swift",
    ".scala",
    ".groovy",
    ".gradle",
    ".pl",
    ".pm",
    ".lua",
    ".sql",
    ".html",
    ".htm",
    ".pem",
    ".key",
    ".crt",
    ".csv",
    ".service",
    ".tpl",
    ".j2",
    ".erb",
    ".dist",
    ".example",
    ".sample",
    ".template",
)
#: C0 controls that text does not hold (tab, newlines, form feed and ESC excepted), and DEL.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b") + b"\x7f"
_HIGH_BYTES = bytes(range(128, 256))
#: Python files: decoded by their declared source coding (PEP 263) as well.
PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
_CODING_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def text_by_name(rel: str) -> bool:
    """Whether the name of *rel* says it is text (``.env*``, ``*.sh``, ``Dockerfile``…)."""
    name = rel.rsplit("/", 1)[-1].lower()
    return (
        name in _TEXT_NAMES
        or name.startswith((".env", "dockerfile", "containerfile"))
        or name.endswith(_TEXT_SUFFIXES)
        or name.endswith((".dockerfile", ".containerfile"))
    )


def mostly_text(probe: bytes) -> bool:
    """Whether *probe* (a file's first bytes) reads as text despite a NUL in it.

    Text: at most 5% control bytes (NUL included; tab, newlines and ESC are text), and
    either at most 30% non-ASCII bytes or valid UTF-8. Images, archives and compiled files
    hold far more control bytes than that.
    """
    if not probe:
        return True
    controls = len(probe) - len(probe.translate(None, _CONTROL_BYTES))
    if controls * 20 > len(probe):
        return False
    high = len(probe) - len(probe.translate(None, _HIGH_BYTES))
    if high * 10 <= len(probe) * 3:
        return True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(probe, final=False)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class SourceView:
    """What Python decodes a source file to, when that differs from its bytes."""

    codec: str | None = None
    text: bytes | None = None
    """The decoded source as UTF-8, or None when the bytes already say it all."""
    problem: str | None = None
    """Why the file could not be decoded as Python would (an ``encoding`` gap)."""


def _declared_coding(data: bytes) -> bytes | None:
    """The PEP 263 coding cookie of the first two lines, as written (or None)."""
    lines = data.split(b"\n", 2)
    first = _CODING_COOKIE.match(lines[0])
    if first:
        return first.group(1)
    if len(lines) > 1 and _BLANK_OR_COMMENT.match(lines[0]):
        second = _CODING_COOKIE.match(lines[1])
        if second:
            return second.group(1)
    return None


def python_source_view(data: bytes) -> SourceView:
    """The text Python runs from *data*, a ``.py`` file, per its declared coding.

    UTF-8 (the default) and codecs that leave the bytes as they are need no second look.
    A coding such as ``utf-7``, ``unicode_escape`` or ``raw_unicode_escape`` can spell a
    key in bytes no rule matches (``+AEE-KIA…``, ``\\x41KIA…``): the decoded text is
    returned, for the detector to scan as well. Its hits report lines and columns of the
    decoded text. An unknown or unusable declared coding is a problem (a gap).
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        declared = _declared_coding(data)
        if declared is None:
            return SourceView()  # not UTF-8 and no cookie: Python refuses it; bytes scanned
        shown = declared[:40].decode("ascii", "replace")
        try:
            codecs.lookup(shown)
        except LookupError:
            return SourceView(
                problem=f"declares the source coding {shown!r}, which Python does not know: "
                "not decoded (its bytes were scanned as they are)"
            )
        return SourceView()
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:  # pragma: no cover - detect_encoding looked it up already
        return SourceView(problem=f"declares the unknown source coding {encoding!r}")
    if codec in ("utf-8", "utf-8-sig"):
        return SourceView()
    try:
        text = data.decode(encoding, "replace")
    except (LookupError, UnicodeError, TypeError, ValueError):
        return SourceView(
            codec=codec,
            problem=f"cannot be decoded as its declared source coding {codec!r}: "
            "not decoded (its bytes were scanned as they are)",
        )
    decoded = text.encode("utf-8", "surrogatepass")
    if decoded == data:
        return SourceView(codec=codec)
    return SourceView(codec=codec, text=decoded)


class Detector:
    """Runs a rule set over files or bytes. Build once, use for many files (thread-safe)."""

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        engine: str | None = None,
    ) -> None:
        self.engine = engine_name(engine)
        self.max_file_size = max_file_size
        self.rules = tuple(rules)
        self._compiled = [_compile_rule(rule, i, self.engine) for i, rule in enumerate(rules)]
        self._prefilters: dict[frozenset[int], tuple[Pattern, dict[bytes, tuple[int, ...]]]] = {}
        self._classes: dict[tuple[frozenset[int], bool], tuple[PathContext, frozenset[int]]] = {}
        self._allowed_sets: dict[frozenset[int], frozenset[int]] = {}
        # Every path pattern (rule filters, allowlisted paths, the context classes) goes into
        # one matcher, so classifying a file is one call however many rules filter paths.
        patterns: list[str] = [_LOCALE.pattern, _DOCS.pattern, _TESTS.pattern]
        self._unfiltered: frozenset[int] = frozenset(
            c.order for c in self._compiled if not c.rule.paths
        )
        self._path_rules: dict[int, set[int]] = {}
        self._allow_path_rules: dict[int, set[int]] = {}
        for item in self._compiled:
            for source in item.rule.paths:
                patterns.append(source)
                self._path_rules.setdefault(len(patterns) - 1, set()).add(item.order)
            for allow in item.rule.allowlists:
                for source in allow.paths:
                    patterns.append(source)
                    self._allow_path_rules.setdefault(len(patterns) - 1, set()).add(item.order)
        self._paths = PathMatcher(patterns, self.engine)
        self._generic = frozenset(c.order for c in self._compiled if c.rule.kind == "generic")
        # Rules without a keyword (imported gitleaks rules with no literal to derive one
        # from) run their regex over the whole file: slower, but never skipped.
        self._keywordless = frozenset(
            c.order for c in self._compiled if not any(k for k in c.rule.keywords)
        )

    def _prefilter(self, allowed: frozenset[int]) -> tuple[Pattern, dict[bytes, tuple[int, ...]]]:
        """The combined keyword pattern of the rules in *allowed*, and each keyword's rules.

        Built once per distinct rule set (files of one type share one), so a keyword that
        only a .env rule needs (``=``) never slows down the scan of a Python file.
        """
        cached = self._prefilters.get(allowed)
        if cached is not None:
            return cached
        owners: dict[bytes, set[int]] = {}
        for order in allowed:
            for word in self._compiled[order].rule.keywords:
                if word:
                    owners.setdefault(word.lower().encode("utf-8"), set()).add(order)
        # A keyword match also stands for every shorter keyword inside it: the combined
        # pattern reports the longest keyword at a position, not the ones it contains.
        merged_owners: dict[bytes, tuple[int, ...]] = {}
        for keyword in owners:
            merged: set[int] = set()
            for other, orders in owners.items():
                if other in keyword:
                    merged |= orders
            merged_owners[keyword] = tuple(sorted(merged))
        alternation = "|".join(
            re.escape(k.decode("latin-1")) for k in sorted(owners, key=lambda k: (-len(k), k))
        )
        # With no keyword at all, a pattern that cannot match keeps the loop uniform.
        built = (compile_pattern(alternation or "[^\\x00-\\xff]", self.engine), merged_owners)
        self._prefilters[allowed] = built
        return built

    # ------------------------------------------------------------------ entry points

    def scan_file(self, path: Path | str, rel: str) -> FileResult:
        """Scan the file at *path* (reported as *rel*); never raises for bad content."""
        try:
            with open(path, "rb") as handle:  # noqa: PTH123 - a str path is cheaper per file
                size = os.fstat(handle.fileno()).st_size
                if size > self.max_file_size:
                    return FileResult(skipped=self._too_big(size), size=size, kind=GapKind.TOO_BIG)
                data = handle.read()
        except OSError as exc:
            return FileResult(
                skipped=f"cannot read: {exc.strerror or type(exc).__name__}",
                kind=GapKind.UNREADABLE,
            )
        return self.scan_bytes(data, rel)

    def _too_big(self, size: int) -> str:
        return (
            f"larger than the size limit ({size:,} bytes > {self.max_file_size:,}; "
            "raise scanners.secrets.max-file-size to scan it)"
        )

    def scan_bytes(self, data: bytes, rel: str) -> FileResult:
        """Scan *data*, the content of the file *rel*."""
        if len(data) > self.max_file_size:
            return FileResult(
                skipped=self._too_big(len(data)), size=len(data), kind=GapKind.TOO_BIG
            )
        if b"\x00" in data[:BINARY_PROBE]:
            decoded = _decode_bom(data)
            if decoded is not None:
                data = decoded
            elif text_by_name(rel) or mostly_text(data[:BINARY_PROBE]):
                # bash, python-dotenv and Python read such a file; NUL is a separator here.
                data = data.replace(b"\x00", b" ")
            else:
                return FileResult(
                    skipped="binary file (NUL bytes), not scanned",
                    size=len(data),
                    kind=GapKind.BINARY,
                )
        result = FileResult(size=len(data))
        context, allowed = self._classify(rel)
        if not allowed:
            return result
        result.hits = self._scan_data(data, context, allowed)
        if rel.endswith(PYTHON_SUFFIXES):
            view = python_source_view(data)
            if view.problem is not None:
                result.skipped = view.problem
                result.kind = GapKind.ENCODING
            elif view.text is not None:
                seen = {(h.rule.id, h.secret) for h in result.hits}
                result.hits.extend(
                    replace(hit, decoded_from=view.codec)
                    for hit in self._scan_data(view.text, context, allowed)
                    if (hit.rule.id, hit.secret) not in seen
                )
        return result

    def _scan_data(self, data: bytes, context: PathContext, allowed: frozenset[int]) -> list[Hit]:
        """Every hit in *data*: time linear in its length, however many hits a line holds."""
        hits: list[Hit] = []
        line_no = 1
        counted_to = 0
        candidates = self._candidate_lines(data, allowed)
        if self._keywordless & allowed:
            candidates = self._with_keywordless(data, allowed, candidates)
        multiline = _MultilineState()
        for line_start, line_end, orders in candidates:
            line_no += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            line = _Line(data, line_start, line_end)
            line_hits = self._scan_line(
                line=line, orders=orders, context=context, multiline=multiline
            )
            if line_hits:
                hits.extend(self._finish(line, line_no, line_hits))
        return hits

    # ------------------------------------------------------------------ internals

    def _classify(self, rel: str) -> tuple[PathContext, frozenset[int]]:
        """What the path says (tests, docs…) and which rules run on the file."""
        matched = self._paths.matches(rel)
        lockfile = rel.rsplit("/", 1)[-1].lower() in _LOCK_NAMES
        cached = self._classes.get((matched, lockfile))
        if cached is not None:
            return cached
        context = PathContext(
            lockfile=lockfile,
            locale=0 in matched,
            docs=1 in matched,
            tests=2 in matched,
        )
        out = set(self._unfiltered)
        for index in matched:
            out.update(self._path_rules.get(index, ()))
        for index in matched:
            out.difference_update(self._allow_path_rules.get(index, ()))
        if context.lockfile or context.locale:
            out -= self._generic
        # One frozenset per class of file, so the pre-filter cache below hashes it once.
        allowed = self._allowed_sets.setdefault(frozenset(out), frozenset(out))
        self._classes[(matched, lockfile)] = (context, allowed)
        return context, allowed

    def _candidate_lines(
        self, data: bytes, allowed: frozenset[int]
    ) -> Iterable[tuple[int, int, set[int]]]:
        keywords, owners = self._prefilter(allowed)
        lowered = data.lower()
        current_start = current_end = -1
        orders: set[int] = set()
        find, rfind = data.find, data.rfind
        for pos, stop in keywords.spans(lowered):
            if pos >= current_end:
                if orders:
                    yield current_start, current_end, orders
                current_start = rfind(b"\n", 0, pos) + 1
                current_end = find(b"\n", pos)
                if current_end < 0:
                    current_end = len(data)
                orders = set(owners[lowered[pos:stop]])
            else:
                orders.update(owners[lowered[pos:stop]])
        if orders:
            yield current_start, current_end, orders

    def _with_keywordless(
        self,
        data: bytes,
        allowed: frozenset[int],
        candidates: Iterable[tuple[int, int, set[int]]],
    ) -> Iterable[tuple[int, int, set[int]]]:
        """Add the lines where a keyword-less rule's regex matches to the candidates."""
        lines: dict[int, tuple[int, set[int]]] = {
            start: (end, set(orders)) for start, end, orders in candidates
        }
        for order in self._keywordless & allowed:
            start = end = -1
            for match in self._compiled[order].pattern.finditer(data):
                pos = match.start()
                if pos >= end:  # a new line: found once, not once per match on it
                    start = data.rfind(b"\n", 0, pos) + 1
                    end = data.find(b"\n", pos)
                    if end < 0:
                        end = len(data)
                    lines.setdefault(start, (end, set()))[1].add(order)
        return [(start, end, orders) for start, (end, orders) in sorted(lines.items())]

    def _scan_line(
        self,
        *,
        line: _Line,
        orders: set[int],
        context: PathContext,
        multiline: _MultilineState,
    ) -> list[tuple[_Compiled, int, int, Confidence]]:
        found: list[tuple[_Compiled, int, int, Confidence]] = []
        data, line_start, line_end = line.data, line.start, line.end
        text = line.text
        for order in sorted(orders):
            item = self._compiled[order]
            matches: Iterable[Match]
            if item.rule.multiline:
                # The regex sees the text from the line to the end of the file: no fixed
                # look-ahead decides whether a key block (padded however much) matches.
                chunk, base = data, 0
                matches = multiline.matches(item, data, line_start, line_end)
            else:
                # The regex sees the line alone, so that ``^``, ``$`` and ``\b`` behave
                # the same on both engines.
                chunk, base = text, line_start
                matches = item.pattern.finditer(text)
            for match in matches:
                if match.start() + base >= line_end:
                    break
                span = self._secret_span(item, match)
                if span is None:
                    continue
                start, end = span[0] + base, span[1] + base
                name = match.group(item.name_group) if item.name_group else None
                verdict = self._judge(
                    item=item,
                    line=line,
                    whole=chunk[match.start() : match.end()],
                    name=name or b"",
                    start=start,
                    end=end,
                    context=context,
                )
                if verdict is not None:
                    found.append((item, start, end, verdict))
        return found

    @staticmethod
    def _secret_span(item: _Compiled, match: Match) -> tuple[int, int] | None:
        group = item.group
        if group == -1:
            for index in range(1, item.pattern.groups + 1):
                if match.group(index):
                    return match.start(index), match.end(index)
            group = 0
        if not match.group(group):
            return None
        return match.start(group), match.end(group)

    def _judge(
        self,
        *,
        item: _Compiled,
        line: _Line,
        whole: bytes,
        name: bytes,
        start: int,
        end: int,
        context: PathContext,
    ) -> Confidence | None:
        """The confidence of a match, or None when a filter says it is no secret.

        Nothing here costs more than the secret's length, or once per line (the line-wide
        checks are cached on *line*): many hits on one long line stay linear.
        """
        rule = item.rule
        data = line.data
        secret = data[start:end]
        if rule.kind == "private-key":
            if not _real_key_block(secret):
                return None
        elif is_placeholder(secret):
            return None
        lowered = secret.lower()
        if any(word in lowered for word in item.stopwords):
            return None
        if item.allow_regexes:
            for index, (pattern, target) in enumerate(item.allow_regexes):
                if target == "line":
                    if line.allowed_by_line(item.order, index, pattern):
                        return None
                elif pattern.search(secret if target == "secret" else whole):
                    return None
        if rule.entropy is not None and shannon_entropy(secret) < rule.entropy:
            return None
        if line.in_data_uri(end):
            return None  # inside a data URI (an inlined image or font)
        if rule.kind == "generic":
            if not _generic_value_ok(secret, name, line, context):
                return None
            opening = data[start - 1] if start > 0 else 0
            closing = data[end] if end < len(data) else 0
            if opening in _QUOTES and closing in _QUOTES and opening != closing:
                return None  # 'abc" : the "value" spans two different string literals
        confidence = rule.confidence
        valid = validate(rule.validator, secret)
        if valid is False:
            if rule.validator == "jwt":
                return None
            confidence = Confidence.MEDIUM if confidence > Confidence.MEDIUM else confidence
        return confidence

    def _finish(
        self,
        line: _Line,
        line_no: int,
        found: list[tuple[_Compiled, int, int, Confidence]],
    ) -> list[Hit]:
        data, line_start = line.data, line.start
        kept = _keep_best(found)
        text = line.text
        allowed_by = _allow_marker(text)
        if allowed_by is None and line_start > 0:
            previous = data[data.rfind(b"\n", 0, line_start - 1) + 1 : line_start]
            if NEXTLINE_MARKER[0] in previous:
                allowed_by = NEXTLINE_MARKER[1]
        hits = []
        columns = _Columns(data, line_start)
        for item, start, end, confidence in kept:
            end_line = line_no + data.count(b"\n", start, end)
            hits.append(
                Hit(
                    rule=item.rule,
                    line=line_no,
                    column=columns.at(start),
                    end_line=end_line,
                    start=start,
                    end=end,
                    secret=data[start:end],
                    line_text=text,
                    line_offset=line_start,
                    confidence=confidence,
                    allowed_by=allowed_by,
                )
            )
        return hits


def _keep_best(
    found: list[tuple[_Compiled, int, int, Confidence]],
) -> list[tuple[_Compiled, int, int, Confidence]]:
    """One hit per stretch of text, in text order.

    Among overlapping hits: the highest priority, then the provider rule over a generic
    one, then the longer secret, then the rule defined first. Hits are first split into
    clusters of mutually overlapping ones (one sort), so the choice costs time in the size
    of a cluster, not the number of hits on the line.
    """
    ordered = sorted(found, key=lambda f: (f[1], f[2]))
    kept: list[tuple[_Compiled, int, int, Confidence]] = []
    cluster: list[tuple[_Compiled, int, int, Confidence]] = []
    reach = -1
    for candidate in [*ordered, None]:
        if candidate is not None and (not cluster or candidate[1] < reach):
            cluster.append(candidate)
            reach = max(reach, candidate[2])
            continue
        if len(cluster) == 1:
            kept.extend(cluster)
        elif cluster:
            kept.extend(_choose(cluster))
        if candidate is not None:
            cluster = [candidate]
            reach = candidate[2]
    return kept


def _choose(
    cluster: list[tuple[_Compiled, int, int, Confidence]],
) -> list[tuple[_Compiled, int, int, Confidence]]:
    """The greedy choice among overlapping hits, with the kept spans in a sorted list."""
    cluster.sort(
        key=lambda f: (
            -f[0].rule.priority,
            f[0].rule.kind == "generic",
            -(f[2] - f[1]),
            f[0].order,
        )
    )
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    chosen: list[tuple[_Compiled, int, int, Confidence]] = []
    for candidate in cluster:
        start, end = candidate[1], candidate[2]
        index = bisect.bisect_left(starts, start)
        if index < len(spans) and spans[index][0] < end:
            continue  # overlaps the next kept span
        if index > 0 and spans[index - 1][1] > start:
            continue  # overlaps the previous kept span
        starts.insert(index, start)
        spans.insert(index, (start, end))
        chosen.append(candidate)
    chosen.sort(key=lambda f: (f[1], f[2]))
    return chosen


class _Line:
    """One candidate line, with the line-wide facts its hits share computed at most once."""

    __slots__ = ("_allowed", "_data_uri", "_hash_words", "data", "end", "start", "text")

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data = data
        self.start = start
        self.end = end
        self.text = data[start:end]
        self._data_uri: tuple[int, int] | None = None
        self._hash_words: bool | None = None
        self._allowed: dict[tuple[int, int], bool] = {}

    def in_data_uri(self, end: int) -> bool:
        """Whether the line up to *end* holds ``;base64,`` and ``data:`` (an inlined file)."""
        if self._data_uri is None:
            found = self.text.find(b";base64,"), self.text.find(b"data:")
            self._data_uri = (
                -1 if found[0] < 0 else found[0] + 8,
                -1 if found[1] < 0 else found[1] + 5,
            )
        b64, uri = self._data_uri
        upto = end - self.start
        return 0 <= b64 <= upto and 0 <= uri <= upto

    def hash_words(self) -> bool:
        """Whether the line names a hash, digest, commit…"""
        if self._hash_words is None:
            self._hash_words = _HASH_WORDS.search(self.text) is not None
        return self._hash_words

    def allowed_by_line(self, order: int, index: int, pattern: Pattern) -> bool:
        """Whether a rule's ``regex-target = "line"`` allowlist pattern matches the line."""
        key = (order, index)
        cached = self._allowed.get(key)
        if cached is None:
            cached = self._allowed[key] = pattern.search(self.text) is not None
        return cached


class _Columns:
    """1-based character columns of offsets on one line, asked in increasing order.

    Decodes the line once, incrementally, instead of the line's prefix once per hit.
    """

    def __init__(self, data: bytes, line_start: int) -> None:
        self._data = data
        self._pos = line_start
        self._chars = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def at(self, offset: int) -> int:
        if offset > self._pos:
            self._chars += len(self._decoder.decode(self._data[self._pos : offset]))
            self._pos = offset
        # A character cut at *offset* counts as one (as decoding the prefix alone would).
        pending = 1 if self._decoder.getstate()[0] else 0
        return self._chars + pending + 1


class _MultilineState:
    """Where each multi-line rule's last search ended, for one scan of one text.

    A multi-line rule's regex runs over the text from a candidate line to the end of the
    text. An unanchored search from *pos* returns the leftmost match at or after *pos*, so
    its answer holds for every later start up to that match: it is reused for the
    candidate lines before the match, and a search that found nothing ends the rule for
    this text. Lines inside a reported block are not searched again. Each rule's searches
    thus move forward through the text: linear in its length.
    """

    def __init__(self) -> None:
        self._last: dict[int, tuple[int, Match | None]] = {}
        self._resume: dict[int, int] = {}

    def matches(self, item: _Compiled, data: bytes, start: int, end: int) -> Iterator[Match]:
        order = item.order
        pos = max(start, self._resume.get(order, 0))
        while pos < end:
            last = self._last.get(order)
            if last is not None and last[0] <= pos and (last[1] is None or last[1].start() >= pos):
                match = last[1]
            else:
                match = item.pattern.search(data, pos)
                self._last[order] = (pos, match)
            if match is None or match.start() >= end:
                return
            self._resume[order] = pos = max(match.end(), match.start() + 1)
            yield match


def _allow_marker(line: bytes) -> str | None:
    lowered = line.lower()
    for marker, reason in ALLOW_MARKERS:
        if marker in lowered:
            return reason
    return None


#: The bytes :func:`_real_key_block` counts as key text (what ``str.isalnum`` says of each
#: byte as a Latin-1 character, and ``+/=``); all others are deleted before counting.
_NOT_KEY_TEXT = bytes(b for b in range(256) if not (chr(b).isalnum() or b in b"+/="))
_WHITESPACE = re.compile(rb"\s+")


def _real_key_block(block: bytes) -> bool:
    """A private key block with a real body: enough base64 text, no ``...``/``xxx``.

    Whitespace (line breaks, indentation, any padding) is not part of the body; the
    checks run at C speed, so a block padded with megabytes of spaces costs little.
    """
    body = block.split(b"-----", 2)[-1]
    body = body.rsplit(b"-----END", 1)[0]
    if b"..." in body or b"\xe2\x80\xa6" in body:
        return False
    compact = _WHITESPACE.sub(b"", body.replace(b"\\n", b""))
    if _placeholder_key_body(compact):
        return False
    return len(compact.translate(None, _NOT_KEY_TEXT)) >= 32


#: Words a template key body holds and a real (base64) one does not, in practice: the
#: generic placeholder filter is not used on key bodies, because real keys hold runs such
#: as ``AAAAAAAA`` (every OpenSSH key) and, by chance, short words (``fake``, ``123456``).
_KEY_PLACEHOLDERS = (
    "xxxxxx",
    "****",
    "####",
    "<",
    ">",
    "${",
    "{{",
    "example",
    "placeholder",
    "redacted",
    "changeme",
    "notreal",
    "yourkey",
    "your_",
    "your-",
)


def _placeholder_key_body(compact: bytes) -> bool:
    """A key body that is a template: few distinct characters, or a placeholder word."""
    if len(set(compact)) < 10:
        return True
    text = compact.decode("latin-1").lower()
    return any(word in text for word in _KEY_PLACEHOLDERS)


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


def _generic_value_ok(value: bytes, name: bytes, line: _Line, context: PathContext) -> bool:
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
