"""Reading that looks finished (issue #27): Markdown, the reader view at any width, the ways
between the views. A real Chromium captures a rich article and opens the views in a real
`archiver serve`; screenshots go to tests/output/ for a person to look at."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FixtureServer, LiveServer, Reply, wait_until
from playwright.sync_api import Browser, Page

from archiver import store
from archiver.markdown import to_markdown

OUTPUT = Path(__file__).parent / "output"
FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]
LONG_URL = "https://example.org/" + "/".join(f"a-rather-long-path-segment-{n}" for n in range(12))
PROSE = ("The keepers of Skerryvore wrote everything down: every storm, every ship that passed "
         "the reef, every night the lamp burned low and had to be trimmed by hand. ")
ARTICLE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Keeping the light</title></head><body><nav><a href="/">Home</a> <a href="/n">News</a></nav>
<article><h1>Keeping the light</h1>
<p>{PROSE * 3}Read <a href="/reading/logbooks.html">the logbooks</a>, <em>all of them</em>,
and <strong>the letters</strong>; the code is <code>lamp.trim()</code>. Text that looks like
a tag: &lt;script&gt;alert(1)&lt;/script&gt;.</p>
<h2>What a keeper did</h2>
<ul><li>Trimmed the wick</li><li>Wound the clockwork<ul><li>every two hours</li></ul></li>
<li>Wrote the log</li></ul>
<ol><li>Light the lamp at dusk</li><li>Put it out at dawn</li></ol>
<blockquote><p>The light must never go out.</p></blockquote>
<figure><img src="/reading/tower.png" alt="The tower" width="1600" height="400">
<figcaption>The tower on the reef, from the landing stage.</figcaption></figure>
<p>{PROSE * 2}The whole archive is at <a href="{LONG_URL}">{LONG_URL}</a>.</p>
<pre><code>log = open("skerryvore.log")  # {"x" * 200}
for line in log: print(line)</code></pre>
<table><tr>{"".join(f"<th>Column{n}heading</th>" for n in range(14))}</tr>
<tr>{"".join(f"<td>value{n}value{n}</td>" for n in range(14))}</tr></table>
<p>{PROSE * 3}</p></article><footer>Northern Lights</footer></body></html>"""


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 150)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def reading(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, Any]]:
    """One rich article captured once by `archiver save`, served by `archiver serve`."""
    db_path = tmp_path_factory.mktemp("reading") / "archive.db"
    server.add("/reading/tower.png", Reply(body=png(1600, 400), content_type="image/png"))
    url = server.add_page("/reading/" + "a-long-address-" * 8 + "article.html", ARTICLE)
    result = subprocess.run([sys.executable, "-m", "archiver", "save", url, "--db",
                             str(db_path), *FAST], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    capture_id = int(result.stdout.split("\t")[0])
    live = LiveServer(db_path)
    yield {"db_path": db_path, "id": capture_id, "url": url, "live": live,
           "reader": f"{live.url}/-/archiver/archive/{capture_id}", "origin": server.url("")}
    live.stop()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True, device_scale_factor=2)
    tab = context.new_page()
    yield tab
    context.close()


def open_view(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="load", timeout=15000)
    assert response is not None and response.status == 200, url


def snap(page: Page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_reader_view_has_list_markers_captions_and_its_actions_on_top(
        page: Page, reading: dict[str, Any]) -> None:
    open_view(page, reading["reader"])
    body = page.locator(".article-body")
    styles = body.locator("li").evaluate_all(
        "items => items.map(i => [getComputedStyle(i).listStyleType, i.closest('ul, ol').tagName,"
        " parseFloat(getComputedStyle(i.parentElement).paddingInlineStart)])")
    assert len(styles) == 6
    assert all(kind != "none" and padding > 0 for kind, _, padding in styles), styles
    assert [kind for kind, tag, _ in styles if tag == "OL"] == ["decimal", "decimal"]
    assert body.locator("figure figcaption").inner_text() == (
        "The tower on the reef, from the landing stage.")
    info = page.locator(".capture-info").bounding_box()
    article = page.locator("article.reader").bounding_box()
    assert info and article and info["y"] + info["height"] <= article["y"]  # on top
    links = page.locator(".capture-info a").all_inner_texts()
    assert {"Markdown", "screenshot", "archived page", "row in the table"} <= set(links)
    snap(page, "reading-reader-1280")


def test_reader_view_fits_a_phone(phone: Page, reading: dict[str, Any]) -> None:
    """A long URL, a wide table, a long <pre> and a wide image: the page stays 390 px wide."""
    open_view(phone, reading["reader"])
    assert phone.locator(".article-body table").count() == 1
    assert phone.locator(".article-body pre").count() == 1
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, width
    snap(phone, "reading-reader-390")
    for path in ("/", "/search?q=keepers", f"/{reading['id']}/screenshot-view",
                 f"/{reading['id']}/raw"):
        open_view(phone, f"{reading['live'].url}/-/archiver/archive{path}")
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390, path


def expect_markdown(text: str, origin: str) -> None:
    assert "\n## What a keeper did\n" in text
    assert "\n- Trimmed the wick\n" in text and "\n  - every two hours\n" in text
    assert "\n1. Light the lamp at dusk\n2. Put it out at dawn\n" in text
    assert f"[the logbooks]({origin}/reading/logbooks.html)" in text  # made absolute
    assert "*all of them*" in text and "**the letters**" in text and "`lamp.trim()`" in text
    assert "\n> The light must never go out.\n" in text
    assert '\n```\nlog = open("skerryvore.log")' in text and "print(line)\n```\n" in text
    assert f"[The tower]({origin}/reading/tower.png)" in text and "![" not in text
    assert "The tower on the reef, from the landing stage." in text
    assert f"[{LONG_URL}]({LONG_URL})" in text
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert not re.search(r"(?<!\\)<", text)  # every < is escaped: no tag


def test_markdown_view(page: Page, reading: dict[str, Any]) -> None:
    open_view(page, reading["reader"])
    with page.expect_response(lambda r: r.url.endswith("/markdown")) as answer:
        page.get_by_role("link", name="Markdown").click()
    response = answer.value
    assert response.status == 200
    headers = response.headers
    assert headers["content-type"] == "text/markdown; charset=utf-8"
    assert headers["content-disposition"] == "inline"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    text = response.text()
    assert text.startswith("---\nid: ") and '\ntitle: "Keeping the light"\n' in text
    expect_markdown(text, reading["origin"])
    snap(page, "reading-markdown")


def test_markdown_export(reading: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "md"
    result = subprocess.run([sys.executable, "-m", "archiver", "export", "--db",
                             str(reading["db_path"]), "--format", "markdown", "--output",
                             str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    [file] = out.iterdir()
    text = file.read_text()
    expect_markdown(text, reading["origin"])
    with urllib.request.urlopen(f"{reading['reader']}/markdown", timeout=10) as response:
        assert response.read().decode() == text  # the view is the export's file


def test_markdown_lets_no_tag_through() -> None:
    html = ("<p>a <code>x\n<script>alert(1)</script></code> <script>alert(2)</script>"
            "[link](javascript:alert(3)) &lt;img src=x onerror=alert(4)&gt;</p>"
            "<pre>```\n&lt;img src=x onerror=alert(5)&gt;\n```</pre>"
            "<p><a href='javascript:alert(6)'>bad</a> <img alt='<b>' src='/i.png'></p>")
    text = to_markdown(html, "https://example.org/a/")
    outside_code = text.split("````")[0] + text.split("````")[2]
    assert "<" not in outside_code.replace("\\<", "")
    assert "\\[link\\](javascript:alert(3))" in text  # text, not a link
    assert not re.search(r"(?<!\\)\]\(javascript:", text)
    assert "````\n```\n<img src=x onerror=alert(5)>\n```\n````" in text  # a longer fence
    assert "[\\<b\\>](https://example.org/i.png)" in text
    assert "alert(1)" not in text and "alert(2)" not in text


def test_home_crumb_leads_to_the_archive_home(page: Page, reading: dict[str, Any]) -> None:
    base = f"{reading['live'].url}/-/archiver/archive"
    capture_id = reading["id"]
    for path in ("/", "/search?q=keepers", f"/{capture_id}", f"/{capture_id}/raw",
                 f"/{capture_id}/screenshot-view", "/page/1", "/changes"):
        open_view(page, base + path)
        home = page.locator(".crumbs a").first
        assert home.inner_text() == "home" and home.get_attribute("href") == "/-/archiver/archive/"
    for path in ("/", "/archive"):  # Datasette's own index and database pages
        open_view(page, reading["live"].url + path)
        link = page.locator(".metadata-description a[href='/-/archiver/archive/']")
        assert link.count() == 1 and link.is_visible(), path
        if path == "/":
            snap(page, "reading-datasette-index")
    link.click()
    assert page.url == base + "/"


def test_one_capture_is_one_capture(page: Page, reading: dict[str, Any]) -> None:
    base = f"{reading['live'].url}/-/archiver/archive"
    open_view(page, base + "/")
    assert "1 page · 1 capture ·" in page.locator(".lead").inner_text()
    open_view(page, reading["reader"])
    assert page.get_by_role("link", name="history of this page (1 capture)").count() == 1
    open_view(page, base + "/page/1")
    assert "1 capture from" in page.locator(".meta").first.inner_text()
    for path in ("/", f"/{reading['id']}", "/page/1", "/search"):
        open_view(page, base + path)
        assert "1 captures" not in page.locator("body").inner_text(), path


def test_screenshot_view_is_readable_and_scrolls(page: Page, reading: dict[str, Any]) -> None:
    open_view(page, reading["reader"])
    page.locator(".capture-info").get_by_role("link", name="screenshot").click()
    page.wait_for_url("**/screenshot-view")
    image = page.locator("img.screenshot")
    image.scroll_into_view_if_needed()
    wait_until(lambda: image.evaluate("i => i.complete"), 10, "the screenshot")
    natural, shown = image.evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
    assert natural > 0 and 1100 < shown <= 1280  # the window's width, less its margins
    assert page.evaluate("document.scrollingElement.scrollHeight") > 900  # scrolls down
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280  # not sideways
    snap(page, "reading-screenshot-view")
    full = page.get_by_role("link", name="full-size image")
    assert full.get_attribute("href") == f"/-/archiver/archive/{reading['id']}/screenshot"
    with urllib.request.urlopen(reading["live"].url + full.get_attribute("href")) as response:
        served, body = response.headers["content-type"], response.read()
    # the article has a photo: taken as a JPEG by default (#30), and served as what it is
    assert served == store.image_type(body) == "image/jpeg"


def test_archived_page_opens_full_window(page: Page, reading: dict[str, Any]) -> None:
    open_view(page, f"{reading['reader']}/raw")
    link = page.get_by_role("link", name="open full window")
    assert link.get_attribute("href") == page.locator("iframe.snapshot").get_attribute("src")
    with page.expect_navigation() as navigation:
        link.click()
    response = navigation.value
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"].startswith("sandbox;")
    assert page.url.endswith(f"/{reading['id']}/snapshot") and "Skerryvore" in response.text()
    # a page without scripts: no full-page screenshot (Playwright measures it with a script)
    page.screenshot(path=str(OUTPUT / "reading-full-window.png"))
