"""The HTML report (issue 17 §3): one offline page, every tree string escaped, no secret.

Two real scans, each once per module: ``examples/insecure-app`` with every scanner (the
structure, the links, the filters, and the page in headless Chromium), and a small hostile
tree (file names and code built to break out of HTML, fake secrets built at run time) with
bandit and the secrets scanner. The page is parsed with the standard library's HTML parser
into a small tree, and the Chromium test parses the DOM Chromium dumps the same way.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

import secgate
from secgate.models import SkippedFile, Verdict, VerdictStatus, WaiverStatus
from secgate.plugins import make_plugin_host
from secgate.reports.html import HtmlReporter
from secgate.reports.html_parts import CSP, SCRIPT, script_hash, status_of
from secgate.scanners.semgrep import find_binary
from tests.conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "insecure-app"
VOID = {"meta", "br", "input", "img", "link", "hr", "source", "wbr", "area", "base", "col"}
#: Every tag the report writes; an injected one would show up as something else.
OWN_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "ul", "li",
    "p", "code", "em", "strong", "section", "svg", "rect", "text", "table", "thead", "tbody",
    "tr", "th", "td", "details", "summary", "form", "fieldset", "legend", "label", "input",
    "article", "div", "span", "pre", "a", "br", "footer", "script",
}  # fmt: skip


# --------------------------------------------------------------------------- a small DOM


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in (n.attrs.get("class") or "").split())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, id: str | None = None) -> Node:
        found = [n for n in self.all(tag, cls) if id is None or n.attrs.get("id") == id]
        assert len(found) == 1, (tag, cls, id, len(found))
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(page: str) -> Node:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------- scans


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pytest.MonkeyPatch]:
    """The autouse isolation of conftest, for module-scoped scans."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("SECGATE_"):
                mp.delenv(name)
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("html-cache")))
        mp.setenv("NO_COLOR", "1")
        yield mp


@pytest.fixture(scope="module")
def insecure(isolated: pytest.MonkeyPatch) -> Verdict:
    if find_binary() is None:
        pytest.skip("semgrep is not installed")
    verdict = secgate.check(EXAMPLE)
    assert {r.name for r in verdict.scanners if r.findings} >= {"bandit", "semgrep", "pip-audit"}
    return verdict


@pytest.fixture(scope="module")
def insecure_page(insecure: Verdict) -> str:
    return HtmlReporter().render(insecure)


@pytest.fixture(scope="module")
def insecure_dom(insecure_page: str) -> Node:
    return parse(insecure_page)


#: A path built to close the text and attribute contexts it lands in.
HOSTILE_DIR = ("a<", "textarea><script>alert(1)<")
HOSTILE_FILE = "script>\"onmouseover=alert(1) x='.py"
HOSTILE_PATH = "/".join((*HOSTILE_DIR, HOSTILE_FILE))
HOSTILE_CODE = "</pre></script><script>alert(2)</script>"


def fake_secrets() -> dict[str, str]:
    """Secret-shaped values, built here so that no test source holds one."""
    return {
        "aws": "AKIA" + "QZ7RWX3KLMPN4TUV",
        "github": "ghp" + "_" + "x7Kq2LmN9pR4sT6vW8yZ1aB3cD5eF7gH9jK0",
    }


@pytest.fixture(scope="module")
def hostile(isolated: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Verdict:
    root = tmp_path_factory.mktemp("hostile")
    folder = root.joinpath(*HOSTILE_DIR)
    folder.mkdir(parents=True)
    (folder / HOSTILE_FILE).write_text(
        "import subprocess\n\n\ndef go(cmd):\n"
        f"    subprocess.call(cmd, shell=True)  # {HOSTILE_CODE}\n",
        encoding="utf-8",
    )
    secrets = fake_secrets()
    (root / "settings.py").write_text(
        f'AWS_ACCESS_KEY_ID = "{secrets["aws"]}"\nTOKEN = "{secrets["github"]}"\n',
        encoding="utf-8",
    )
    (root / "deploy.env").write_text(f"GITHUB_TOKEN={secrets['github']}\n", encoding="utf-8")
    verdict = secgate.check(root, scanners=["bandit", "secrets"])
    assert {f.scanner for f in verdict.blocking} == {"bandit", "secrets"}
    assert HOSTILE_PATH in {f.path for f in verdict.findings}
    return verdict


# --------------------------------------------------------------------------- structure


def test_html_is_registered_for_format_and_report_flags() -> None:
    reporters = make_plugin_host().reporters()
    assert reporters["html"] is HtmlReporter
    assert reporters["html"].extension == ".html"


def test_the_verdict_and_its_reasons_come_first(insecure: Verdict, insecure_dom: Node) -> None:
    assert insecure.status is VerdictStatus.FAIL
    body = insecure_dom.one("body")
    first = next(c for c in body.children if isinstance(c, Node))
    assert first.tag == "header"
    assert first.one("h1").text() == "secgate: FAIL"
    reasons = [li.text() for li in first.one("ul", id="reasons").all("li")]
    assert reasons == list(insecure.reasons)
    assert insecure_dom.one("head").one("title").text() == "secgate: FAIL"


def test_every_finding_has_one_row_blocking_ones_by_file(
    insecure: Verdict, insecure_dom: Node
) -> None:
    rows = insecure_dom.all(cls="finding")
    assert len(rows) == len(insecure.findings)
    blocking = insecure_dom.one("section", id="blocking")
    cards = blocking.all("article", cls="finding")
    assert len(cards) == len(insecure.blocking) > 0
    assert {c.attrs["data-status"] for c in cards} == {"blocking"}
    # One box per file, holding exactly that file's blocking findings.
    files = blocking.all("section", cls="file")
    assert len(files) == len({f.path for f in insecure.blocking})
    for box in files:
        heading = box.one("h3").text()
        where = {c.one(cls="where").text().rsplit(":", 1)[0] for c in box.all("article")}
        assert len(where) == 1 and heading.startswith(where.pop())
    # The others are folded, grouped by why they do not block.
    folded = insecure_dom.one("section", id="not-blocking")
    groups = folded.all("details")
    assert groups and all(g.children[0].tag == "summary" for g in groups)  # type: ignore[union-attr]
    folded_rows = folded.all("tr", cls="finding")
    assert len(folded_rows) == len(insecure.findings) - len(insecure.blocking)
    statuses = {r.attrs["data-status"] for r in folded_rows}
    assert statuses == {status_of(f) for f in insecure.findings if not f.blocking}
    assert {"below-threshold", "unconfirmed"} <= statuses


def test_blocking_findings_show_their_snippet_highlighted_fix_and_rule_link(
    insecure: Verdict, insecure_dom: Node
) -> None:
    cards = insecure_dom.one("section", id="blocking").all("article")
    by_where = {c.one(cls="where").text(): c for c in cards}
    shell = next(f for f in insecure.blocking if f.rule_id == "python-command-injection-taint")
    card = by_where[f"examples/insecure-app/{shell.location}"]
    snippet = card.one("pre", cls="snippet")
    assert snippet.text() == f"{shell.line}{shell.snippet}"
    # Pygments colours the tokens with inline styles (allowed by the CSP's style-src).
    styled = [s for s in snippet.all("span") if "color" in (s.attrs.get("style") or "")]
    assert any(s.text() == "subprocess" for s in styled) or len(styled) >= 3
    link = card.one("a", cls="doc")
    assert link.attrs["href"] == shell.help_url
    # An advisory carries its fix text.
    advisory = next(f for f in insecure.blocking if f.help_text)
    card = next(c for c in cards if advisory.rule_id in c.one(cls="rule").text())
    assert card.one("p", cls="fix").text() == f"Fix: {' '.join(advisory.help_text.split())}"


def test_chart_has_a_bar_per_scanner_with_its_counts_as_text(
    insecure: Verdict, insecure_dom: Node
) -> None:
    svg = insecure_dom.one("svg")
    texts = [t.text() for t in svg.all("text")]
    for result in insecure.scanners:
        counts = [f.severity.value for f in insecure.findings if f.scanner == result.name]
        assert result.name in texts
        if counts:
            label = next(t for t in texts if t.startswith(f"{len(counts)}: "))
            for severity in set(counts):
                assert f"{counts.count(severity)} {severity}" in label
    # One coloured segment per scanner and severity present.
    pairs = {(f.scanner, f.severity) for f in insecure.findings}
    segments = [r for r in svg.all("rect") if r.all("title")]
    assert len(segments) == len(pairs)


def test_coverage_lists_each_scanner_and_every_gap_by_kind(insecure: Verdict) -> None:
    gap = SkippedFile(path="big.bin", reason="larger than max-file-mb", kind="too-big")
    bad = SkippedFile(path="bad.py", reason="syntax error", kind="unparsable")
    scanners = tuple(
        r.model_copy(update={"coverage": r.coverage.model_copy(update={"skipped": (bad,)})})
        if r.name == "bandit"
        else r
        for r in insecure.scanners
    )
    collection = insecure.collection.model_copy(update={"skipped": (gap,)})
    page = HtmlReporter().render(
        insecure.model_copy(update={"scanners": scanners, "collection": collection})
    )
    coverage = parse(page).one("section", id="coverage")
    rows = {r.all("td")[0].text(): r for r in coverage.all("tbody")[0].all("tr")}
    for result in insecure.scanners:
        name = f"{result.name} {result.version}" if result.version else result.name
        cells = [td.text() for td in rows[name].all("td")]
        assert cells[2].startswith(str(result.coverage.files_scanned))
    assert rows[f"bandit {insecure.scanner('bandit').version}"].all("td")[4].text() == (
        "unparsable 1"
    )
    collected = [td.text() for td in rows["file collection"].all("td")]
    assert collected[2] == str(insecure.collection.files_scanned)
    assert collected[4] == "too-big 1; excluded: osv/ 17"
    gaps = coverage.one("details", id="gaps")
    listed = [[td.text() for td in tr.all("td")] for tr in gaps.all("tbody")[0].all("tr")]
    listed += [[td.text() for td in tr.all("td")] for tr in gaps.all("tbody")[1].all("tr")]
    assert ["examples/insecure-app/big.bin", "too-big", "larger than max-file-mb"] in listed
    assert ["examples/insecure-app/bad.py", "unparsable", "syntax error"] in listed


def test_filters_are_hidden_without_script_and_name_every_row_value(
    insecure: Verdict, insecure_dom: Node
) -> None:
    form = insecure_dom.one("form", id="filters")
    assert "hidden" in form.attrs  # with JavaScript off, no control that does nothing
    boxes = {(i.attrs["name"], i.attrs["value"]) for i in form.all("input")}
    assert all("checked" in i.attrs for i in form.all("input"))
    for row in insecure_dom.all(cls="finding"):
        for key in ("scanner", "severity", "status"):
            assert (key, row.attrs[f"data-{key}"]) in boxes
    assert {v for k, v in boxes if k == "scanner"} == {f.scanner for f in insecure.findings}


def test_nothing_is_fetched_only_rule_documentation_is_linked(
    insecure: Verdict, insecure_dom: Node
) -> None:
    urls = {f.help_url for f in insecure.findings if f.help_url}
    hrefs = [n.attrs["href"] for n in insecure_dom.iter() if "href" in n.attrs]
    assert hrefs and set(hrefs) <= urls
    assert all(n.tag == "a" for n in insecure_dom.iter() if "href" in n.attrs)
    for node in insecure_dom.iter():
        assert "src" not in node.attrs and "srcset" not in node.attrs, node.tag
        assert not any(a.startswith("on") for a in node.attrs), node.tag
    assert not insecure_dom.all("link") and not insecure_dom.all("img")
    style = insecure_dom.one("style").text()
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    for node in insecure_dom.iter():
        assert "url(" not in (node.attrs.get("style") or ""), node.tag


def test_the_csp_allows_nothing_but_the_pages_own_script(insecure_dom: Node) -> None:
    [meta] = [
        m
        for m in insecure_dom.all("meta")
        if (m.attrs.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    policy = {
        part.split()[0]: part.split()[1:] for part in (meta.attrs["content"] or "").split(";")
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["img-src"] == ["data:"]
    assert policy["style-src"] == ["'unsafe-inline'"]
    [script] = insecure_dom.all("script")
    digest = hashlib.sha256(script.text().encode("utf-8")).digest()
    assert policy["script-src"] == [f"'sha256-{base64.b64encode(digest).decode()}'"]
    assert script.text() == SCRIPT and script_hash() in CSP
    # The policy comes before anything that could load or run.
    head = insecure_dom.one("head")
    first = next(c for c in head.children if isinstance(c, Node) and c.tag == "meta")
    assert first.attrs == {"charset": "utf-8"}
    assert head.all("meta")[1] is meta


def test_an_empty_passing_verdict_still_renders() -> None:
    verdict = Verdict(
        tool_version="0.0.0",
        status=VerdictStatus.PASS,
        reasons=("no blocking findings",),
        decided_by="no-blocking-findings",
        root=".",
    )
    dom = parse(HtmlReporter().render(verdict))
    assert dom.one("h1").text() == "secgate: PASS"
    assert dom.one("section", id="blocking").one("h2").text() == "Blocking findings (0)"
    assert not dom.all(cls="finding") and not dom.all("form") and not dom.all("svg")


def test_report_flag_writes_the_page(insecure: Verdict, tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(insecure.model_dump_json(), encoding="utf-8")
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    result = run_cli("evaluate", str(saved), "--report", f"html={page}")
    assert result.code == 1, result.err
    dom = parse(page.read_text(encoding="utf-8"))
    assert dom.one("h1").text() == "secgate: FAIL"
    assert len(dom.all(cls="finding")) == len(insecure.findings)


# --------------------------------------------------------------------------- hostile input


def _assert_inert(dom: Node) -> None:
    """Only the report's own elements, its one script, no event handler, no fetch."""
    assert {n.tag for n in dom.iter()} - {"#document"} <= OWN_TAGS
    [script] = dom.all("script")
    assert script.text() == SCRIPT
    assert len(dom.all("form")) <= 1
    for node in dom.iter():
        assert not any(a.startswith("on") for a in node.attrs), (node.tag, node.attrs)
        assert "src" not in node.attrs
        href = node.attrs.get("href")
        assert href is None or href.startswith(("https://", "http://")), href


def test_hostile_paths_and_snippets_are_text(hostile: Verdict) -> None:
    page = HtmlReporter().render(hostile)
    dom = parse(page)
    _assert_inert(dom)
    assert "<script>alert" not in page and "</textarea>" not in page
    files = {box.one("h3").children[0] for box in dom.all("section", cls="file")}
    assert HOSTILE_PATH in {str(f).strip() for f in files}
    [card] = [c for c in dom.all("article") if HOSTILE_PATH in c.one(cls="where").text()]
    assert HOSTILE_CODE in card.one("pre", cls="snippet").text()


def test_hostile_messages_rules_links_and_reasons_are_text(hostile: Verdict) -> None:
    evil = "<script>alert(3)</script> \"onmouseover=alert(4) x='</textarea><img src=x>"
    first, second, *rest = hostile.findings
    findings = (
        first.model_copy(
            update={
                "message": evil + " \u202eevil",
                "rule_id": 'R<1>"',
                "help_url": "javascript:alert(5)",
            }
        ),
        second.model_copy(
            update={"help_url": 'https://x.example/"onmouseover=alert(6)', "help_text": evil}
        ),
        *rest,
    )
    waiver = WaiverStatus(
        id=evil, state="active", expires=date(2099, 1, 1), days_left=9, matched=0, unused=True,
        reason=evil, owner=evil, ticket=evil,
    )  # fmt: skip
    gap = SkippedFile(path=evil, reason=evil, kind="other")
    verdict = hostile.model_copy(
        update={
            "findings": findings,
            "reasons": (evil,),
            "policy_summary": (evil,),
            "warnings": (evil,),
            "waivers": (waiver,),
            "collection": hostile.collection.model_copy(update={"skipped": (gap,)}),
            "stage": evil,
        }
    )
    page = HtmlReporter().render(verdict)
    dom = parse(page)
    _assert_inert(dom)
    hrefs = {n.attrs["href"] for n in dom.iter() if "href" in n.attrs}
    assert hrefs == {f.help_url for f in rest if f.help_url}  # neither hostile URL is a link
    text = dom.text()
    assert text.count(evil) >= 10  # reasons, policy, warning, stage, waiver x4, gap x2, ...
    assert "\u202e" not in page and "\\u202eevil" in text
    assert 'R<1>"' in text


# --------------------------------------------------------------------------- secrets


def test_no_secret_value_appears(hostile: Verdict) -> None:
    page = HtmlReporter().render(hostile)
    secret_findings = [f for f in hostile.findings if f.scanner == "secrets"]
    assert {f.path for f in secret_findings} >= {"settings.py", "deploy.env"}
    for value in fake_secrets().values():
        assert value not in page
        assert value[4:-4] not in page  # nor most of it
    # The findings are reported all the same, where they are.
    wheres = {c.one(cls="where").text() for c in parse(page).all("article")}
    assert any(w.endswith("settings.py:1") for w in wheres)


# --------------------------------------------------------------------------- in a browser


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    binary = chromium()
    assert binary is not None
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - the class is the record

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.mark.slow
@pytest.mark.skipif(
    chromium() is None, reason="Chromium is not installed (apt-get install chromium)"
)
def test_the_page_in_headless_chromium(
    insecure: Verdict, insecure_page: str, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(insecure_page, encoding="utf-8")
    shot = tmp_path / "report.png"
    done = run_chromium(page, tmp_path / "p1", f"--screenshot={shot}", "--window-size=1280,1600")
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000

    done = run_chromium(page, tmp_path / "p2", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = parse(done.stdout)
    assert dom.one("h1", id="verdict").text() == "secgate: FAIL"
    rows = dom.all(cls="finding")
    assert len(rows) == len(insecure.findings)
    # The script ran (the CSP hash let it): the filters are shown and no row is hidden.
    assert "hidden" not in dom.one("form", id="filters").attrs
    assert not [r for r in rows if "hidden" in r.attrs]

    # Unticking a scanner hides its rows, and the file boxes left empty.
    unticked = insecure_page.replace(
        'name="scanner" value="pip-audit" checked', 'name="scanner" value="pip-audit"'
    )
    assert unticked != insecure_page
    page.write_text(unticked, encoding="utf-8")
    done = run_chromium(page, tmp_path / "p3", "--dump-dom")
    dom = parse(done.stdout)
    shown = [r for r in dom.all(cls="finding") if "hidden" not in r.attrs]
    assert len(shown) == len([f for f in insecure.findings if f.scanner != "pip-audit"])
    assert {r.attrs["data-scanner"] for r in shown} == {"bandit", "semgrep"}
    boxes = [b for b in dom.all("section", cls="file") if "hidden" not in b.attrs]
    assert len(boxes) == len({f.path for f in insecure.blocking if f.scanner != "pip-audit"})


@pytest.mark.slow
@pytest.mark.skipif(
    chromium() is None, reason="Chromium is not installed (apt-get install chromium)"
)
def test_an_injected_tag_fetches_nothing_in_chromium(insecure_page: str, tmp_path: Path) -> None:
    """Were some string ever left unescaped, the CSP still stops its fetches and scripts."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        injected = (
            f'<img src="{base}/img"><link rel="stylesheet" href="{base}/css">'
            f'<script src="{base}/js"></script><script>document.title="ran"</script>'
            f'<iframe src="{base}/frame"></iframe><div style="background:url({base}/bg)">x</div>'
        )
        page = tmp_path / "injected.html"
        page.write_text(insecure_page.replace("<header", injected + "<header", 1), "utf-8")
        done = run_chromium(page, tmp_path / "p", "--dump-dom", "--virtual-time-budget=3000")
        assert done.returncode == 0, done.stderr[-2000:]
        assert parse(done.stdout).one("head").one("title").text() == "secgate: FAIL"
        assert _Recorder.hits == []
        # The recorder works: the same browser fetches from it when no CSP forbids it.
        bare = tmp_path / "bare.html"
        bare.write_text(f'<!DOCTYPE html><img src="{base}/control">', "utf-8")
        run_chromium(bare, tmp_path / "q", "--dump-dom", "--virtual-time-budget=3000")
        assert _Recorder.hits == ["/control"]
    finally:
        server.shutdown()
        server.server_close()
