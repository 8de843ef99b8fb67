"""The reading views, opened by a real Chromium in a real `archiver serve`.

The archive is made by `archiver save` of local fixture pages (real Chromium capturing too);
screenshots of the home page and the reader view go to tests/output/ for a person to look at.
"""

from __future__ import annotations

import io
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FixtureServer, LiveServer, Reply
from helpers import page_html, save
from playwright.sync_api import Browser, Page

from archiver import store
from archiver.textdiff import diff_words
from archiver.thumbnail import crop_top

OUTPUT = Path(__file__).parent / "output"
FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]
LONG_TEXT = " ".join(f"Paragraph {n} about the harbour wall and the tides." for n in range(40))
EDITED_V1 = f"<p>{LONG_TEXT}</p><p>The council approved the new harbour wall on Monday.</p>"
EDITED_V2 = (f"<p>{LONG_TEXT}</p><p><img src='/views/wall.png' width='200' height='100' "
             "alt='The harbour wall'></p><p>The council rejected the new harbour wall on "
             "Tuesday.</p>")
RTL_PAGE = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>منارة الميناء</title></head><body><article><h1>منارة الميناء</h1>
<p>كانت المنارة القديمة تضيء الميناء كل ليلة لمدة مئة عام، وكان الحراس يصعدون الدرج الطويل
كل مساء لإشعال المصباح الكبير. اليوم أصبحت المنارة متحفاً صغيراً يزوره الناس من كل مكان.</p>
<p>يقول الصيادون إن ضوءها ما زال يظهر في ليالي العواصف.</p></article></body></html>"""


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    return chromium


@pytest.fixture(scope="module")
def archive(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real captures: an article (tagged, with a note), an RTL page, and a page captured twice
    with an edit in between."""
    db_path = tmp_path_factory.mktemp("views") / "archive.db"
    [article] = save(db_path, server.url("/article.html"))
    server.add_page("/views/rtl.html", RTL_PAGE)
    [rtl] = save(db_path, server.url("/views/rtl.html"))
    server.add_page("/views/edited.html", page_html("Harbour wall", EDITED_V1))
    [old] = save(db_path, server.url("/views/edited.html"))
    server.add_page("/views/edited.html", page_html("Harbour wall", EDITED_V2))
    server.add("/views/wall.png", Reply(body=png_bytes(), content_type="image/png"))
    [new] = save(db_path, server.url("/views/edited.html"))
    db = store.open_db(db_path)
    store.add_tags(db, [store.page_of_capture(db, article)], ["lighthouses", "to read"])
    store.set_note(db, store.page_of_capture(db, article),
                   "Ask the Tobermory archive about the logbooks.")
    page_id = store.get_capture(db, new)["page_id"]
    db.close()
    return {"db_path": db_path, "article": article, "rtl": rtl, "old": old, "new": new,
            "page_id": page_id}


@pytest.fixture(scope="module")
def live(archive: dict[str, Any]) -> Iterator[LiveServer]:
    srv = LiveServer(archive["db_path"])
    yield srv
    srv.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def open_view(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="load", timeout=15000)
    assert response is not None and response.status == 200, url


def snap(page: Page, name: str) -> None:
    """A full-page screenshot in tests/output/, for a person to look at."""
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def images_loaded(page: Page, selector: str) -> list[int]:
    return page.eval_on_selector_all(selector, "imgs => imgs.map(i => i.naturalWidth)")


def wait_for_images(page: Page, selector: str, timeout: float = 10.0) -> None:
    """Until every image `selector` names has loaded. Polled from here: `wait_for_function`
    compiles its predicate in the page, which the views' CSP (no 'unsafe-eval') refuses."""
    deadline = time.monotonic() + timeout
    while not page.eval_on_selector_all(selector, "imgs => imgs.every(i => i.complete)"):
        assert time.monotonic() < deadline, f"{selector} did not load in {timeout} s"
        page.wait_for_timeout(50)


def test_home_page_lists_pages_with_thumbnails_and_sites(page: Page, live: LiveServer,
                                                         archive: dict[str, Any]) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_view(page, live.url + "/-/archiver/")
    assert page.url.endswith("/-/archiver/archive/")
    assert page.locator("h1").inner_text() == "Web archive"
    assert "3 pages · 4 captures" in page.locator(".lead").first.inner_text()
    titles = page.locator(".recent .card-title").all_inner_texts()
    assert titles[0] == "Harbour wall" and "The Lighthouse Keepers of Skerryvore" in titles
    assert len(titles) == 3  # one card a page: the page captured twice shows once
    assert page.locator(".recent .card").first.locator(".versions").inner_text() == "2 versions"
    assert page.locator(".recent .card .tag").all_inner_texts() == ["lighthouses", "to read"]
    page.locator(".thumb img").last.scroll_into_view_if_needed()
    wait_for_images(page, ".thumb img")
    assert all(w > 0 for w in images_loaded(page, ".thumb img"))
    assert "127.0.0.1" in page.locator("aside .counts").first.inner_text()
    assert page.locator("aside").get_by_text("lighthouses").count() == 1
    snap(page, "home")
    assert errors == []  # the policy lets Datasette's own menu script run


def test_reader_view_shows_the_article_and_its_metadata(page: Page, live: LiveServer,
                                                        archive: dict[str, Any]) -> None:
    open_view(page, f"{live.url}/-/archiver/archive/{archive['article']}")
    assert page.locator("article h1").inner_text() == "The Lighthouse Keepers of Skerryvore"
    assert "Morag Campbell" in page.locator(".byline").inner_text()
    assert "min read" in page.locator(".byline").inner_text()
    assert "granite hauled from the island of Mull" in page.locator(".article-body").inner_text()
    assert page.locator(".tags .tag").all_inner_texts() == ["lighthouses", "to read"]
    assert "Tobermory archive" in page.locator(".note").inner_text()
    width = page.eval_on_selector(".reader", "e => e.getBoundingClientRect().width")
    assert 450 < width < 800  # a readable line length, not the window's width
    links = page.locator(".capture-info a").all_inner_texts()
    assert {"screenshot", "archived page", "row in the table"} <= set(links)
    snap(page, "reader")
    page.get_by_role("link", name="row in the table").click()
    assert page.url.endswith(f"/archive/captures/{archive['article']}")


def test_reader_view_shows_archived_images_from_the_archive(
        page: Page, live: LiveServer, archive: dict[str, Any]) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    open_view(page, f"{live.url}/-/archiver/archive/{archive['new']}")
    image = page.locator(".article-body img")
    assert image.count() == 1
    assert image.get_attribute("src").startswith(f"/-/archiver/archive/{archive['new']}/r/")
    wait_for_images(page, ".article-body img")
    assert images_loaded(page, ".article-body img") == [200]
    assert [r for r in requests if not r.startswith(live.url)] == []


def png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 100), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def test_right_to_left_article(page: Page, live: LiveServer, archive: dict[str, Any]) -> None:
    open_view(page, f"{live.url}/-/archiver/archive/{archive['rtl']}")
    assert page.locator("article.reader").get_attribute("dir") == "rtl"
    assert page.locator("article.reader").get_attribute("lang") == "ar"
    assert "المنارة" in page.locator(".article-body").inner_text()
    snap(page, "reader-rtl")


def test_search_highlights_and_filters(page: Page, live: LiveServer,
                                       archive: dict[str, Any]) -> None:
    open_view(page, live.url + "/-/archiver/archive/")
    page.fill("input[name=q]", "logbooks")
    page.click(".archiver-search button")
    page.wait_for_url("**/search?q=logbooks")
    assert page.locator(".results .card-title").all_inner_texts() == [
        "The Lighthouse Keepers of Skerryvore"]
    assert page.locator(".snippet mark").first.inner_text().lower() == "logbooks"
    snap(page, "search")
    open_view(page, live.url + "/-/archiver/archive/search?q=keepers&tag=lighthouses")
    assert page.locator(".results .card-title").all_inner_texts() == [
        "The Lighthouse Keepers of Skerryvore"]
    open_view(page, live.url + "/-/archiver/archive/search?q=harbour&until=2000-01-01")
    assert page.locator(".none").inner_text() == "No pages match."


def test_history_shows_what_the_site_edited(page: Page, live: LiveServer,
                                            archive: dict[str, Any]) -> None:
    open_view(page, f"{live.url}/-/archiver/archive/page/{archive['page_id']}")
    assert page.locator(".timeline li").count() == 2
    removed = " ".join(page.locator(".diff-text del").all_inner_texts())
    added = " ".join(page.locator(".diff-text ins").all_inner_texts())
    assert "approved" in removed and "Monday" in removed
    assert "rejected" in added and "Tuesday" in added
    assert "harbour wall" not in removed + added  # unchanged words are not marked
    assert "unchanged words" in page.locator(".diff-text .elided").first.inner_text()
    snap(page, "history")
    page.check(f"input[name=a][value='{archive['new']}']")
    page.check(f"input[name=b][value='{archive['old']}']")
    page.click(".timeline-form button")
    assert "Tuesday" in " ".join(page.locator(".diff-text del").all_inner_texts())


def test_archived_page_in_a_sandboxed_frame(page: Page, live: LiveServer,
                                            archive: dict[str, Any]) -> None:
    open_view(page, f"{live.url}/-/archiver/archive/{archive['article']}/raw")
    frame_element = page.locator("iframe.snapshot")
    assert frame_element.get_attribute("sandbox") == ""
    frame = frame_element.content_frame
    assert "granite hauled" in frame.locator("body").inner_text()
    snap(page, "raw")


def test_captures_table_links_to_the_views(page: Page, live: LiveServer,
                                           archive: dict[str, Any]) -> None:
    open_view(page, live.url + "/archive/captures")
    assert page.locator(".nav-menu a[href='/-/archiver/']").count() == 1  # in Datasette's menu
    link = page.get_by_role("link", name="Harbour wall").first
    assert link.get_attribute("href") == f"/-/archiver/archive/{archive['new']}"
    assert page.locator("td.col-screenshot_hash img[loading=lazy]").count() == 4
    page.get_by_role("link", name="Harbour wall").first.click()
    assert page.locator("article h1").inner_text() == "Harbour wall"
    page.get_by_role("link", name="history of this page (2 captures)").click()
    assert page.locator(".timeline li").count() == 2
    open_view(page, live.url + "/archive/page_tags?_facet=tag")
    assert "lighthouses" in page.locator(".facet-results").inner_text()


def fetch(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def test_views_send_a_strict_policy_and_404_for_unknown_captures(
        live: LiveServer, archive: dict[str, Any]) -> None:
    base = live.url + "/-/archiver/"
    for path in ("archive/", f"archive/{archive['article']}", "archive/search?q=x",
                 f"archive/page/{archive['page_id']}", f"archive/{archive['article']}/raw"):
        status, headers = fetch(base + path)
        assert status == 200, path
        assert "script-src 'sha256-" in headers["content-security-policy"]  # no files
        assert "img-src 'self' data:;" in headers["content-security-policy"]
    errors = ["archive/999", "archive/page/999", "archive/search?since=yesterday", "nope/1"]
    assert [fetch(base + path)[0] for path in errors] == [404, 404, 400, 404]
    status, headers = fetch(f"{base}archive/{archive['article']}/snapshot")
    assert headers["content-security-policy"].startswith("sandbox; default-src 'none';")
    assert headers["x-content-type-options"] == "nosniff"


def test_screenshots_and_thumbnails_are_served_as_what_they_are(
        live: LiveServer, archive: dict[str, Any]) -> None:
    """The capture's screenshot is a WebP and served as one (an older PNG as a PNG: see
    test_datasette), its view shows it, its thumbnail is a JPEG made from it."""
    base = f"{live.url}/-/archiver/archive/{archive['article']}/"
    status, headers = fetch(base + "screenshot")
    assert status == 200 and headers["content-type"] == "image/webp"
    assert headers["x-content-type-options"] == "nosniff"
    assert fetch(base + "screenshot-view")[0] == 200
    status, headers = fetch(base + "thumbnail")
    assert status == 200 and headers["content-type"] == "image/jpeg"
    with urllib.request.urlopen(base + "thumbnail", timeout=10) as response:
        thumbnail = response.read()
    assert store.image_size(thumbnail) is not None and store.image_size(thumbnail)[0] == 320


def test_thumbnail_is_the_top_of_the_screenshot(archive: dict[str, Any]) -> None:
    from PIL import Image

    db = store.open_db(archive["db_path"])
    webp = store.get_blob(db, store.get_capture(db, archive["old"])["screenshot_hash"]).content
    db.close()
    with Image.open(io.BytesIO(webp)) as image:  # crop_top reads PNGs (as older captures are)
        out = io.BytesIO()
        image.save(out, "PNG")
    shot = out.getvalue()
    cropped = crop_top(shot, 100)
    assert cropped[16:24] == shot[16:20] + (100).to_bytes(4, "big")
    assert len(cropped) < len(shot)
    assert crop_top(shot, 100_000) == shot and crop_top(b"not a png", 10) == b"not a png"


def test_word_diff_marks_only_edits() -> None:
    diff = diff_words("one two three four", "one two 3 four five")
    kinds = [(s.kind, s.text.strip()) for s in diff.segments]
    assert kinds == [("same", "one two"), ("removed", "three"), ("added", "3"),
                     ("same", "four"), ("added", "five")]
    assert (diff.added, diff.removed) == (2, 1)
    assert not diff_words("a  b\nc", "a b c").changed
