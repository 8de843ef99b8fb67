"""Highlights and notes in the reader view (issue #27), in a real Chromium on a real
`archiver serve`, on pages captured from the fixture server; their storage, search, exports
(Markdown, W3C Web Annotations) and the rule that only the archive's own pages may write them.

Screenshots of the reader view with highlights go to tests/output/ for a person to look at.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FixtureServer, LiveServer
from playwright.sync_api import Browser, Page, expect

from archiver import store
from archiver.cli import cli
from archiver.models import Article, Capture

OUTPUT = Path(__file__).parent / "output"
FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]
FILLER = " ".join(f"Sentence {n} about the weather over the bay and the small boats."
                  for n in range(30))
STORM = "In 1921 a storm broke the harbour wall and flooded the lower town for three days."
MUSEUM = "The museum keeps the old tide gauge in a glass case near the entrance."
TIDES_V1 = (f"<p>{FILLER}</p><p>The tide tables were printed every spring by the harbour "
            f"master.</p><p>{STORM}</p><p>{MUSEUM}</p><p>Visitors walk along the harbour wall "
            "in summer to watch the ferries.</p>")
# The newer version: a paragraph that also names the harbour wall comes first (the quote is
# further down, and in the text three times), and the museum's paragraph is gone.
TIDES_V2 = (f"<p>A new survey of the harbour wall was published this year.</p><p>{FILLER}</p>"
            f"<p>The tide tables were printed every spring by the harbour master.</p>"
            f"<p>{STORM}</p><p>The gauge was moved to the town hall.</p><p>Visitors walk "
            "along the harbour wall in summer to watch the ferries.</p>")
QUOTE = "broke the harbour wall"
GONE = "keeps the old tide gauge"


def page_html(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body><article><h1>{title}</h1>{body}</article></body></html>")


def save(db_path: Path, url: str) -> int:
    """`archiver save` in its own process (Playwright's sync API owns this thread's loop)."""
    result = subprocess.run([sys.executable, "-m", "archiver", "save", url, "--db",
                             str(db_path), *FAST], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split("\t")[0])


@pytest.fixture(scope="module")
def archive(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db_path = tmp_path_factory.mktemp("highlights") / "archive.db"
    server.add_page("/hl/tides.html", page_html("Tides of the harbour", TIDES_V1))
    tides = save(db_path, server.url("/hl/tides.html"))
    server.add_page("/hl/birds.html", page_html("Birds of the cliffs", (
        f"<p>{FILLER}</p><p>Puffins nest in burrows on the grassy slopes above the "
        "cliffs.</p><p>Gannets dive for fish from a great height.</p>")))
    birds = save(db_path, server.url("/hl/birds.html"))
    db = store.open_db(db_path)
    pages = {name: store.page_of_capture(db, cid) for name, cid in
             (("tides", tides), ("birds", birds))}
    db.close()
    return {"db_path": db_path, "tides": tides, "birds": birds, "pages": pages}


@pytest.fixture(scope="module")
def live(archive: dict[str, Any]) -> Iterator[LiveServer]:
    srv = LiveServer(archive["db_path"])
    yield srv
    srv.stop()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == []  # no CSP refusal, no script error


def snap(page: Page, name: str, full_page: bool = True) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=full_page)


def open_reader(page: Page, live: LiveServer, capture_id: int) -> None:
    response = page.goto(f"{live.url}/-/archiver/archive/{capture_id}", wait_until="load")
    assert response is not None and response.status == 200
    page.wait_for_selector("#highlights.hl-ready", state="attached")


FIND_PHRASE = """([phrase, select]) => {
    const body = document.querySelector('.article-body');
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(phrase);
        if (at < 0) continue;
        node.parentElement.scrollIntoView({block: 'center'});
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + phrase.length);
        if (select) {
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }
        const rects = range.getClientRects(), a = rects[0], b = rects[rects.length - 1];
        return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1,
                y2: b.top + b.height / 2};
    }
    return null;
}"""


def select_with_mouse(page: Page, phrase: str) -> None:
    box = page.evaluate(FIND_PHRASE, [phrase, False])
    assert box, phrase
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def select_by_range(page: Page, phrase: str) -> None:
    assert page.evaluate(FIND_PHRASE, [phrase, True]), phrase


def highlight_button(page: Page) -> Any:
    return page.get_by_role("button", name=re.compile("Highlight"))


def marked(page: Page) -> list[str]:
    """The text of each highlight in the article (a highlight may be several <mark>s)."""
    return page.evaluate("""() => {
        const texts = {};
        for (const m of document.querySelectorAll('.article-body mark.highlight')) {
            texts[m.dataset.hid] = (texts[m.dataset.hid] || '') + m.textContent;
        }
        return Object.values(texts);
    }""")


def rows(db_path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, args).fetchall()


def test_highlight_a_selection_add_a_note_and_see_it_on_a_newer_version(
        page: Page, live: LiveServer, archive: dict[str, Any], server: FixtureServer) -> None:
    open_reader(page, live, archive["tides"])
    expect(highlight_button(page)).to_be_hidden()
    assert page.locator(".hl-empty").is_visible()

    select_with_mouse(page, QUOTE)
    expect(highlight_button(page)).to_be_visible()
    snap(page, "highlights-selection")
    highlight_button(page).click()
    expect(page.locator(".article-body mark.highlight")).to_have_text(QUOTE)
    expect(highlight_button(page)).to_be_hidden()

    select_by_range(page, GONE)
    highlight_button(page).click()
    expect(page.locator(".hl-item")).to_have_count(2)
    assert sorted(marked(page)) == sorted([QUOTE, GONE])

    [stored] = rows(archive["db_path"], 'SELECT exact, prefix, suffix, start, "end", '
                    "capture_id FROM highlights WHERE exact = ?", QUOTE)
    assert stored[1].endswith("In 1921 a storm ") and stored[2].startswith(" and flooded")
    assert len(stored[1]) == len(stored[2]) == 32 and stored[4] - stored[3] == len(QUOTE)
    assert stored[5] == archive["tides"]

    page.reload()
    page.wait_for_selector("#highlights.hl-ready", state="attached")
    assert sorted(marked(page)) == sorted([QUOTE, GONE])  # stored, anchored again
    assert page.locator(".hl-item .hl-quote").all_inner_texts() == [QUOTE, GONE]  # in order

    page.locator(".article-body mark.highlight", has_text=QUOTE).click()
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    panel.locator("textarea").fill("Ask the harbour office for the 1921 photographs.")
    snap(page, "highlights-note-panel", full_page=False)
    panel.get_by_role("button", name="Save").click()
    expect(panel).to_be_hidden()
    page.reload()
    page.wait_for_selector("#highlights.hl-ready", state="attached")
    item = page.locator(".hl-item", has_text=QUOTE)
    expect(item.locator(".hl-note")).to_have_text(
        "Ask the harbour office for the 1921 photographs.")
    expect(page.locator("mark.highlight.has-note")).to_have_text(QUOTE)
    snap(page, "highlights-list")

    # A newer version: the quote is further down (and "the harbour wall" is in the text
    # three times), the museum's sentence is gone.
    server.add_page("/hl/tides.html", page_html("Tides of the harbour", TIDES_V2))
    newer = save(archive["db_path"], server.url("/hl/tides.html"))
    open_reader(page, live, newer)
    assert marked(page) == [QUOTE]
    mark = page.locator(".article-body mark.highlight")
    assert "In 1921 a storm" in mark.evaluate("m => m.closest('p').textContent")
    missing = page.locator(".hl-item.hl-missing")
    expect(missing).to_have_count(1)
    expect(missing.locator(".hl-quote")).to_have_text(GONE)
    expect(missing.locator(".hl-missing-label")).to_be_visible()
    expect(missing.locator(".hl-missing-label")).to_have_text(" · not in this version")
    expect(page.locator(".hl-item", has_text=QUOTE).locator(".hl-missing-label")).to_be_hidden()
    snap(page, "highlights-newer-version")

    page.evaluate("window.scrollTo(0, 0)")
    page.locator(".hl-item", has_text=QUOTE).locator(".hl-quote a").click()
    page.wait_for_timeout(300)
    assert page.url.endswith("#hl-" + page.locator(".hl-item", has_text=QUOTE)
                             .get_attribute("data-hid"))
    assert mark.evaluate("m => { const r = m.getBoundingClientRect();"
                         " return r.top >= 0 && r.bottom <= window.innerHeight; }")


def test_delete_a_highlight_from_its_panel(page: Page, live: LiveServer,
                                           archive: dict[str, Any]) -> None:
    open_reader(page, live, archive["birds"])
    select_by_range(page, "Gannets dive for fish")
    highlight_button(page).click()
    expect(page.locator(".article-body mark.highlight")).to_have_count(1)
    page.locator(".article-body mark.highlight").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete highlight").click()
    expect(page.locator(".article-body mark.highlight")).to_have_count(0)
    expect(page.locator(".hl-item")).to_have_count(0)
    assert rows(archive["db_path"], "SELECT count(*) FROM highlights WHERE exact = ?",
                "Gannets dive for fish") == [(0,)]
    page.reload()
    expect(page.locator(".article-body mark.highlight")).to_have_count(0)


def test_a_hostile_quote_or_note_is_text(page: Page, live: LiveServer,
                                         archive: dict[str, Any]) -> None:
    attack = '<img src=x onerror="window.__pwned = true">"><script>window.__pwned = true</script>'
    db = store.open_db(archive["db_path"])
    hid = store.add_highlight(db, archive["pages"]["birds"], store.Quote(attack, attack[:30]),
                              None, attack)
    db.close()
    try:
        open_reader(page, live, archive["birds"])
        item = page.locator(f"#hl-item-{hid}")
        expect(item.locator(".hl-quote")).to_have_text(attack)
        expect(item.locator(".hl-note")).to_have_text(attack)
        expect(item.locator(".hl-missing-label")).to_be_visible()
        item.get_by_role("button", name="Edit note").click()
        expect(page.get_by_role("dialog").locator(".hl-panel-quote")).to_have_text(
            attack[:140] + ("…" if len(attack) > 140 else ""))
        expect(page.get_by_role("dialog").locator("textarea")).to_have_value(attack)
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("#highlights img, #hl-panel img").count() == 0
    finally:
        db = store.open_db(archive["db_path"])
        store.delete_highlight(db, hid)
        db.close()


def note_a_puffin(archive: dict[str, Any]) -> int:
    """A highlight with a note on the birds page, made as the reader view makes one."""
    db = store.open_db(archive["db_path"])
    try:
        for found in store.page_highlights(db, archive["pages"]["birds"]):
            if found["exact"] == "nest in burrows":
                return int(found["id"])
        text = " ".join(store.get_capture(db, archive["birds"])["text"].split())
        start = text.index("nest in burrows")
        quote = store.Quote("nest in burrows", text[start - 32:start],
                            text[start + 15:start + 47], start, start + 15)
        return store.add_highlight(db, archive["pages"]["birds"], quote, archive["birds"],
                                   "Count the burrows with a kittiwake survey next June.")
    finally:
        db.close()


def test_highlights_and_notes_are_found_by_search(page: Page, live: LiveServer,
                                                  archive: dict[str, Any]) -> None:
    note_a_puffin(archive)
    db = store.open_db(archive["db_path"])
    try:
        [hit] = store.search_pages(db, "kittiwake")  # only in the highlight's note
        assert hit["page_id"] == archive["pages"]["birds"] and hit["matched"] == "highlight"
        assert "kittiwake" in hit["snippet"]
        assert hit["id"] == archive["birds"]  # the page's newest good version
        hits = store.search_pages(db, "burrows")  # in the text and the highlight: once
        assert [h["page_id"] for h in hits] == [archive["pages"]["birds"]]
        store.set_note(db, archive["pages"]["tides"], "Compare with the Lerwick tide gauge")
        [hit] = store.search_pages(db, "lerwick")  # the page's note
        assert hit["page_id"] == archive["pages"]["tides"] and hit["matched"] == "note"
        assert hit["id"] == store.get_page(db, archive["pages"]["tides"])["good_capture_id"]
    finally:
        db.close()
    result = subprocess.run([sys.executable, "-m", "archiver", "search", "kittiwake", "--db",
                             str(archive["db_path"])], capture_output=True, text=True)
    assert "Birds of the cliffs" in result.stdout and "[kittiwake]" in result.stdout
    assert "(in a highlight)" in result.stdout

    page.goto(f"{live.url}/-/archiver/archive/search?q=kittiwake")
    assert page.locator(".results .card-title").all_inner_texts() == ["Birds of the cliffs"]
    assert page.locator(".results .snippet mark").first.inner_text() == "kittiwake"
    assert "highlight" in page.locator(".results .snippet").inner_text()


def test_markdown_export_lists_the_highlights_after_the_article(
        archive: dict[str, Any], tmp_path: Path) -> None:
    note_a_puffin(archive)
    out = tmp_path / "md"
    result = CliRunner().invoke(cli, ["export", "--db", str(archive["db_path"]), "--format",
                                      "markdown", "--output", str(out)])
    assert result.exit_code == 0, result.output
    [birds] = [f.read_text() for f in out.glob("*.md") if "Birds of the cliffs" in f.read_text()]
    article, _, section = birds.partition("\n## Highlights\n")
    assert "Gannets dive for fish" in article
    assert "> nest in burrows\n\nCount the burrows with a kittiwake survey next June.\n" in section


def test_annotations_export_is_w3c_json_ld(archive: dict[str, Any], live: LiveServer,
                                           tmp_path: Path) -> None:
    hid = note_a_puffin(archive)
    out = tmp_path / "highlights.jsonld"
    result = CliRunner().invoke(cli, ["export", "--db", str(archive["db_path"]), "--format",
                                      "annotations", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "highlight(s)" in result.output
    document = json.loads(out.read_text())
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "AnnotationCollection"
    items = document["first"]["items"]
    assert document["total"] == len(items) >= 1 and document["first"]["type"] == "AnnotationPage"
    for item in items:
        check_annotation(item)

    url = f"{live.url}/-/archiver/archive/page/{archive['pages']['birds']}/annotations.jsonld"
    with urllib.request.urlopen(url) as response:
        assert response.headers["content-type"].startswith("application/ld+json")
        page_document = json.loads(response.read())
    assert page_document["id"] == url
    [item] = [i for i in page_document["first"]["items"]
              if i["target"]["selector"][0]["exact"] == "nest in burrows"]
    check_annotation(item)
    assert item["motivation"] == "commenting"
    assert item["body"] == {"type": "TextualBody", "format": "text/plain",
                            "purpose": "commenting",
                            "value": "Count the burrows with a kittiwake survey next June."}
    [(page_url,)] = rows(archive["db_path"], "SELECT url FROM pages WHERE id = ?",
                         archive["pages"]["birds"])
    assert item["target"]["source"] == page_url
    assert item["target"]["state"]["type"] == "TimeState"
    quote, position = item["target"]["selector"]
    assert quote["prefix"].endswith("Puffins ") and quote["suffix"].startswith(" on the grassy")
    assert position["end"] - position["start"] == len("nest in burrows")
    assert [i["id"] for i in items if i["target"]["selector"][0]["exact"] == "nest in burrows"
            ] == [item["id"]]  # the same id in both exports
    assert hid == note_a_puffin(archive)
    assert fetch_status(url.replace(f"/page/{archive['pages']['birds']}/", "/page/99999/")) == 404


def check_annotation(item: dict[str, Any]) -> None:
    assert item["type"] == "Annotation" and item["id"].startswith("urn:uuid:")
    assert item["motivation"] in ("highlighting", "commenting")
    assert ("body" in item) == (item["motivation"] == "commenting")
    target = item["target"]
    assert target["source"].startswith("http://127.0.0.1:")
    quote = target["selector"][0]
    assert quote["type"] == "TextQuoteSelector" and quote["exact"]
    assert {"prefix", "suffix"} <= set(quote)
    if len(target["selector"]) > 1:
        position = target["selector"][1]
        assert position["type"] == "TextPositionSelector"
        assert position["end"] - position["start"] == len(quote["exact"])
    assert re.match(r"\d{4}-\d\d-\d\dT", item["created"])


def fetch_status(url: str, data: bytes | None = None, headers: dict[str, str] | None = None
                 ) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def form(**fields: Any) -> bytes:
    return urllib.parse.urlencode(fields).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_only_the_archives_own_pages_may_write_highlights(
        live: LiveServer, archive: dict[str, Any], chromium: Browser,
        server: FixtureServer) -> None:
    page_id = archive["pages"]["birds"]
    create = f"{live.url}/-/archiver/archive/page/{page_id}/highlights"
    attack = form(exact="Puffins nest", capture_id=archive["birds"])
    before = rows(archive["db_path"], "SELECT count(*) FROM highlights")
    refused = [
        {**FORM, "Origin": "http://evil.example"},
        {**FORM, "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {**FORM, "Origin": live.url, "Sec-Fetch-Site": "cross-site"},
        {**FORM, "Origin": live.url, "Sec-Fetch-Site": "same-site"},
        {**FORM, "Origin": "null"},
        FORM,  # no Origin at all
    ]
    for headers in refused:
        assert fetch_status(create, attack, headers) == 403, headers
    # Another site's page (the fixture server: another origin) posting a form in Chromium.
    server.add_page("/hl/attack.html", f"""<!doctype html><form method="post"
        action="{create}"><input name="exact" value="Puffins nest"></form>
        <script>document.forms[0].submit()</script>""")
    context = chromium.new_context()
    page = context.new_page()
    page.goto(server.url("/hl/attack.html"))
    page.wait_for_url(create, timeout=10000)
    assert "Refused" in page.content()
    context.close()
    assert rows(archive["db_path"], "SELECT count(*) FROM highlights") == before

    own = {**FORM, "Origin": live.url}
    assert fetch_status(create, form(exact="x" * (store.MAX_QUOTE + 1)), own) == 400
    assert fetch_status(create, form(exact="Puffins", start=0, end=3), own) == 400
    assert fetch_status(create, form(exact="   "), own) == 400
    assert fetch_status(create, form(exact="Puffins", capture_id=archive["tides"]), own) == 400
    assert fetch_status(create.replace(f"/{page_id}/", "/99999/"), form(exact="x"), own) == 404
    assert fetch_status(create, json.dumps({"exact": "x"}).encode(),
                        {"Content-Type": "application/json", "Origin": live.url}) == 415
    assert fetch_status(create) == 405
    update = f"{live.url}/-/archiver/archive/highlights/99999"
    assert fetch_status(update, form(action="delete"), own) == 404
    assert fetch_status(update, form(action="nonsense"), own) == 400
    assert rows(archive["db_path"], "SELECT count(*) FROM highlights") == before
    # The same request from the archive's own origin is stored (no cookie: no CSRF token).
    assert fetch_status(create, form(exact="Gannets dive", capture_id=archive["birds"]),
                        own) == 201
    hid = rows(archive["db_path"], "SELECT max(id) FROM highlights")[0][0]
    update = f"{live.url}/-/archiver/archive/highlights/{hid}"
    assert fetch_status(update, form(action="delete"), {**FORM, "Origin": "http://a.b"}) == 403
    assert fetch_status(update, form(action="delete"), own) == 200
    assert rows(archive["db_path"], "SELECT count(*) FROM highlights") == before


def test_the_reader_allows_its_own_script_by_hash_only(live: LiveServer,
                                                       archive: dict[str, Any]) -> None:
    with urllib.request.urlopen(f"{live.url}/-/archiver/archive/{archive['tides']}") as r:
        csp = r.headers["content-security-policy"]
        html = r.read().decode()
    script_src = re.search(r"script-src ([^;]*);", csp)
    assert script_src and "unsafe" not in script_src.group(1)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
              for s in scripts}
    assert hashes and hashes <= set(script_src.group(1).split())
    assert "highlights" in " ".join(scripts)
    with urllib.request.urlopen(f"{live.url}/-/archiver/archive/") as r:  # only the reader's
        home_csp = r.headers["content-security-policy"]
    assert len(re.search(r"script-src ([^;]*);", home_csp).group(1).split()) == (
        len(script_src.group(1).split()) - 1)


def test_highlights_table_in_datasette(page: Page, live: LiveServer,
                                       archive: dict[str, Any]) -> None:
    note_a_puffin(archive)
    page.goto(f"{live.url}/archive/highlights")
    assert "passages highlighted" in page.locator(".metadata-description").inner_text()
    assert page.locator("td.col-exact", has_text="nest in burrows").count() == 1
    page.goto(f"{live.url}/archive/highlights?_search=kittiwake")
    assert page.locator("td.col-exact").all_inner_texts() == ["nest in burrows"]


def test_highlights_outlive_their_version_and_go_with_their_page(db: Any) -> None:
    def version(text: str, when: str) -> int:
        capture = Capture(url="https://example.org/tides", http_status=200,
                          content_type="text/html", html="<p>x</p>", title="Tides",
                          captured_at=when)
        return store.save_capture(db, capture, Article(title="Tides", text=text,
                                                       html=f"<p>{text}</p>", word_count=4))

    first = version("The harbour wall broke.", "2026-01-01T00:00:00Z")
    second = version("Later, the harbour wall broke.", "2026-02-01T00:00:00Z")
    page_id = store.page_of_capture(db, first)
    hid = store.add_highlight(db, page_id, store.Quote("harbour wall", "The ", " broke.", 4, 16),
                              first, "a note")
    store.delete_captures(db, [first])
    assert store.get_highlight(db, hid)["capture_id"] is None  # kept, its version gone
    assert store.quote_in(store.get_capture(db, second)["text"], "harbour  wall")
    store.delete_pages(db, [page_id])
    assert db.execute("SELECT count(*) FROM highlights").fetchone()[0] == 0
    assert store.search_pages(db, "note") == []
