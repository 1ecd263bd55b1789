"""The line scanner: keyword pre-filter, regex matching, the choice among overlaps, columns.

Every rule's keywords are combined into one alternation, run once over the lower-cased
text (one DFA pass with RE2). Only lines holding a keyword are candidates, and on each only
the rules owning the keywords found are tried. Each match's secret is judged by the
filters of :mod:`secgate.secrets.checks`; overlapping hits keep one (the most specific
rule). Every line-wide check is made once per line, the choice among overlapping hits
works on clusters of overlapping hits, and columns are counted incrementally: time stays
linear in the length of the text, however many hits one line holds.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Iterable, Sequence

from secgate.models import Confidence
from secgate.secrets.checks import (
    HASH_WORDS,
    NEXTLINE_MARKER,
    QUOTES,
    PathContext,
    allow_marker,
    generic_value_ok,
    is_placeholder,
    validate,
)
from secgate.secrets.compiled import CompiledRule, Hit
from secgate.secrets.keyblocks import MultilineState, real_key_block
from secgate.secrets.regex import Match, Pattern, compile_pattern
from secgate.secrets.rulemodel import shannon_entropy


class LineScanner:
    """Finds the hits of compiled rules in a text, line by line (thread-safe once built)."""

    def __init__(self, compiled: Sequence[CompiledRule], engine: str) -> None:
        self.engine = engine
        self._compiled = list(compiled)
        self._prefilters: dict[frozenset[int], tuple[Pattern, dict[bytes, tuple[int, ...]]]] = {}
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

    def scan(self, data: bytes, context: PathContext, allowed: frozenset[int]) -> list[Hit]:
        """Every hit in *data*: time linear in its length, however many hits a line holds."""
        hits: list[Hit] = []
        line_no = 1
        counted_to = 0
        candidates = self._candidate_lines(data, allowed)
        if self._keywordless & allowed:
            candidates = self._with_keywordless(data, allowed, candidates)
        multiline = MultilineState()
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
        multiline: MultilineState,
    ) -> list[tuple[CompiledRule, int, int, Confidence]]:
        found: list[tuple[CompiledRule, int, int, Confidence]] = []
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
    def _secret_span(item: CompiledRule, match: Match) -> tuple[int, int] | None:
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
        item: CompiledRule,
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
            if not real_key_block(secret):
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
            if not generic_value_ok(secret, name, line, context):
                return None
            opening = data[start - 1] if start > 0 else 0
            closing = data[end] if end < len(data) else 0
            if opening in QUOTES and closing in QUOTES and opening != closing:
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
        found: list[tuple[CompiledRule, int, int, Confidence]],
    ) -> list[Hit]:
        data, line_start = line.data, line.start
        kept = _keep_best(found)
        text = line.text
        allowed_by = allow_marker(text)
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
    found: list[tuple[CompiledRule, int, int, Confidence]],
) -> list[tuple[CompiledRule, int, int, Confidence]]:
    """One hit per stretch of text, in text order.

    Among overlapping hits: the highest priority, then the provider rule over a generic
    one, then the longer secret, then the rule defined first. Hits are first split into
    clusters of mutually overlapping ones (one sort), so the choice costs time in the size
    of a cluster, not the number of hits on the line.
    """
    ordered = sorted(found, key=lambda f: (f[1], f[2]))
    kept: list[tuple[CompiledRule, int, int, Confidence]] = []
    cluster: list[tuple[CompiledRule, int, int, Confidence]] = []
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
    cluster: list[tuple[CompiledRule, int, int, Confidence]],
) -> list[tuple[CompiledRule, int, int, Confidence]]:
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
    chosen: list[tuple[CompiledRule, int, int, Confidence]] = []
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
            self._hash_words = HASH_WORDS.search(self.text) is not None
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
