"""The detector: finds secrets in one file's bytes, fast, without ever crashing on the input.

How a file is scanned:

1. Its size is checked before it is read (default limit 10 MB); it is read once, as bytes.
   A file with NUL bytes in its first 8 KiB is binary and skipped, unless it starts with a
   UTF-16/UTF-32 byte-order mark (then it is decoded to UTF-8 first). Any other encoding,
   invalid UTF-8 included, is scanned as bytes: tokens are ASCII, and nothing is decoded
   until a line is shown (with replacement characters).
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

The detector returns :class:`Hit` objects holding the secret's bytes, for the caller to
fingerprint and redact: nothing in this module logs or raises with a secret in it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secgate.models import Confidence
from secgate.secrets.regex import Match, PathMatcher, Pattern, compile_pattern, engine_name
from secgate.secrets.rules import Rule, shannon_entropy

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
BINARY_PROBE = 8192
MULTILINE_WINDOW = 64 * 1024

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


@dataclass
class FileResult:
    """What one file gave: hits, or the reason it was skipped."""

    hits: list[Hit] = field(default_factory=list)
    skipped: str | None = None
    size: int = 0


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
                    return FileResult(skipped=self._too_big(size), size=size)
                data = handle.read()
        except OSError as exc:
            return FileResult(skipped=f"cannot read: {exc.strerror or type(exc).__name__}")
        return self.scan_bytes(data, rel)

    def _too_big(self, size: int) -> str:
        return (
            f"larger than the size limit ({size:,} bytes > {self.max_file_size:,}; "
            "raise scanners.secrets.max-file-size to scan it)"
        )

    def scan_bytes(self, data: bytes, rel: str) -> FileResult:
        """Scan *data*, the content of the file *rel*."""
        if len(data) > self.max_file_size:
            return FileResult(skipped=self._too_big(len(data)), size=len(data))
        if b"\x00" in data[:BINARY_PROBE]:
            decoded = _decode_bom(data)
            if decoded is None:
                return FileResult(skipped="binary file (NUL bytes), not scanned", size=len(data))
            data = decoded
        result = FileResult(size=len(data))
        context, allowed = self._classify(rel)
        if not allowed:
            return result
        hits: list[Hit] = []
        line_no = 1
        counted_to = 0
        candidates = self._candidate_lines(data, allowed)
        if self._keywordless & allowed:
            candidates = self._with_keywordless(data, allowed, candidates)
        for line_start, line_end, orders in candidates:
            line_no += data.count(b"\n", counted_to, line_start)
            counted_to = line_start
            line_hits = self._scan_line(
                data=data, line_start=line_start, line_end=line_end, orders=orders, context=context
            )
            if line_hits:
                hits.extend(self._finish(data, line_start, line_end, line_no, line_hits))
        result.hits = hits
        return result

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
            for match in self._compiled[order].pattern.finditer(data):
                pos = match.start()
                start = data.rfind(b"\n", 0, pos) + 1
                end = data.find(b"\n", pos)
                lines.setdefault(start, (len(data) if end < 0 else end, set()))[1].add(order)
        return [(start, end, orders) for start, (end, orders) in sorted(lines.items())]

    def _scan_line(
        self,
        *,
        data: bytes,
        line_start: int,
        line_end: int,
        orders: set[int],
        context: PathContext,
    ) -> list[tuple[_Compiled, int, int, Confidence]]:
        found: list[tuple[_Compiled, int, int, Confidence]] = []
        line = data[line_start:line_end]
        window = b""
        for order in sorted(orders):
            item = self._compiled[order]
            # The regex sees the line alone (or, for a multi-line rule, a window from the
            # line on), so that ``$`` and ``\b`` behave the same on both engines.
            chunk = line
            if item.rule.multiline:
                if not window:
                    window = data[line_start : line_start + MULTILINE_WINDOW]
                chunk = window
            for match in item.pattern.finditer(chunk):
                if match.start() >= len(line):
                    break
                span = self._secret_span(item, match)
                if span is None:
                    continue
                start, end = span[0] + line_start, span[1] + line_start
                name = match.group(item.name_group) if item.name_group else None
                verdict = self._judge(
                    item=item,
                    data=data,
                    whole=chunk[match.start() : match.end()],
                    name=name or b"",
                    start=start,
                    end=end,
                    line_start=line_start,
                    line_end=line_end,
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
        data: bytes,
        whole: bytes,
        name: bytes,
        start: int,
        end: int,
        line_start: int,
        line_end: int,
        context: PathContext,
    ) -> Confidence | None:
        """The confidence of a match, or None when a filter says it is no secret."""
        rule = item.rule
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
            line = data[line_start:line_end]
            targets = {"secret": secret, "match": whole, "line": line}
            if any(p.search(targets[t]) for p, t in item.allow_regexes):
                return None
        if rule.entropy is not None and shannon_entropy(secret) < rule.entropy:
            return None
        before = data[line_start:end]
        if b";base64," in before and b"data:" in before:
            return None  # inside a data URI (an inlined image or font)
        if rule.kind == "generic":
            if not _generic_value_ok(secret, name, data[line_start:line_end], context):
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
        data: bytes,
        line_start: int,
        line_end: int,
        line_no: int,
        found: list[tuple[_Compiled, int, int, Confidence]],
    ) -> list[Hit]:
        # One hit per stretch of text: the highest priority, then the provider rule over a
        # generic one, then the longer secret, then the rule defined first.
        found.sort(
            key=lambda f: (
                -f[0].rule.priority,
                f[0].rule.kind == "generic",
                -(f[2] - f[1]),
                f[0].order,
            )
        )
        kept: list[tuple[_Compiled, int, int, Confidence]] = []
        for candidate in found:
            if all(candidate[2] <= k[1] or candidate[1] >= k[2] for k in kept):
                kept.append(candidate)
        line = data[line_start:line_end]
        allowed_by = _allow_marker(line)
        if allowed_by is None and line_start > 0:
            previous = data[data.rfind(b"\n", 0, line_start - 1) + 1 : line_start]
            if NEXTLINE_MARKER[0] in previous:
                allowed_by = NEXTLINE_MARKER[1]
        hits = []
        for item, start, end, confidence in sorted(kept, key=lambda k: k[1]):
            column = len(data[line_start:start].decode("utf-8", "replace")) + 1
            end_line = line_no + data.count(b"\n", start, end)
            hits.append(
                Hit(
                    rule=item.rule,
                    line=line_no,
                    column=column,
                    end_line=end_line,
                    start=start,
                    end=end,
                    secret=data[start:end],
                    line_text=line,
                    line_offset=line_start,
                    confidence=confidence,
                    allowed_by=allowed_by,
                )
            )
        return hits


def _allow_marker(line: bytes) -> str | None:
    lowered = line.lower()
    for marker, reason in ALLOW_MARKERS:
        if marker in lowered:
            return reason
    return None


_KEY_BODY = re.compile(rb"-----\s*(.*?)\s*-----END", re.DOTALL)


def _real_key_block(block: bytes) -> bool:
    """A private key block with a real body: enough base64 text, no ``...``/``xxx``."""
    body = block.split(b"-----", 2)[-1]
    body = body.rsplit(b"-----END", 1)[0]
    if b"..." in body or b"\xe2\x80\xa6" in body or is_placeholder(body.replace(b"\\n", b"")):
        return False
    letters = sum(1 for byte in body if chr(byte).isalnum() or byte in b"+/=")
    return letters >= 32


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


def _generic_value_ok(value: bytes, name: bytes, line: bytes, context: PathContext) -> bool:
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
    if is_hex and len(value) in _HEX_DIGEST_LENGTHS and _HASH_WORDS.search(line):
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
