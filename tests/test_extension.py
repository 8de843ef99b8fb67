"""The browser extension, end to end: Chromium with the unpacked extension, a real
`archiver serve`, pages from the fixture server.

The toolbar click is a real one: CDP `Extensions.triggerAction` (Chromium 132+, with
--enable-unsafe-extension-debugging over Playwright's pipe) runs the extension's action on a
tab as a user's click does, activeTab grant included, so `chrome.tabs.captureVisibleTab` works.
(`chrome.action.onClicked.dispatch(tab)` from the service worker, as in ENVIRONMENT.md, runs
the same listener but grants no activeTab: the page is saved without a screenshot.)"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import conftest
import pytest
from conftest import wait_until
from helpers import make_token
from helpers import page as posted_page
from helpers import request as api_request
from playwright.sync_api import BrowserContext, Page, Worker, expect, sync_playwright

from archiver import store

EXT = Path(__file__).parent.parent / "extension"
OUTPUT = Path(__file__).parent / "output"
RETRY = "() => chrome.alarms.onAlarm.dispatch({name: 'archiver-retry', scheduledTime: Date.now()})"
BADGE = "() => chrome.action.getBadgeText({})"


class Extension:
    def __init__(self, context: BrowserContext, worker: Worker) -> None:
        self.context = context
        self.worker = worker
        self.id = worker.url.split("/")[2]

    def page(self, name: str) -> Page:
        page = self.context.new_page()
        page.goto(f"chrome-extension://{self.id}/{name}")
        return page

    def configure(self, server_url: str, token: str) -> Page:
        options = self.page("options.html")
        options.get_by_label("Server URL").fill(server_url)
        options.get_by_label("Token").fill(token)
        options.get_by_role("button", name="Save").click()
        expect(options.locator("#message")).to_have_text("Saved.")
        return options

    def open_dynamic_page(self, server: Any) -> Page:
        page = self.context.new_page()
        page.goto(server.url("/extension/dynamic.html"))
        expect(page.locator("#inserted")).to_be_visible()
        page.get_by_role("button", name="Show more").click()
        expect(page.locator("#hidden")).to_be_visible()
        page.bring_to_front()
        return page

    def click_toolbar(self, page: Page) -> None:
        """The user clicks the extension's toolbar button while `page` is the active tab."""
        page.bring_to_front()
        assert self.context.browser is not None
        cdp = self.context.browser.new_browser_cdp_session()
        tabs = cdp.send("Target.getTargets", {"filter": [{"type": "tab"}]})["targetInfos"]
        [tab] = [t for t in tabs if t["url"] == page.url]
        cdp.send("Extensions.triggerAction", {"id": self.id, "targetId": tab["targetId"]})
        cdp.detach()

    def popup_for(self, page: Page) -> Page:
        """The popup (as the toolbar menu opens it) for the tab that shows `page`."""
        page.bring_to_front()
        tab_id = self.worker.evaluate(
            "async () => (await chrome.tabs.query({active: true, lastFocusedWindow: true}))[0].id")
        popup = self.page(f"popup.html?tabId={tab_id}")
        popup.set_viewport_size({"width": 372, "height": 560})
        return popup

    def badge(self) -> str:
        return str(self.worker.evaluate(BADGE))

    def wait_for_badge(self, text: str, timeout: float = 15) -> None:
        wait_until(lambda: self.badge() == text, timeout, f"badge {text!r}, is {self.badge()!r}")


def captures(db_path: Path) -> list[dict[str, Any]]:
    if not db_path.exists():
        return []
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("select * from captures order by id")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


@pytest.fixture
def extension(tmp_path: Path) -> Iterator[Extension]:
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path="/usr/bin/chromium", headless=True,
            args=[f"--disable-extensions-except={EXT}", f"--load-extension={EXT}",
                  "--enable-unsafe-extension-debugging", "--disable-gpu"],
        )
        worker = (context.service_workers[0] if context.service_workers
                  else context.wait_for_event("serviceworker"))
        yield Extension(context, worker)
        context.close()


def test_one_click_saves_the_page_as_the_browser_shows_it(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    options = extension.configure(srv.url, token)
    options.get_by_role("button", name="Test connection").click()
    expect(options.locator("#message")).to_contain_text("Connected to archiver")
    OUTPUT.mkdir(exist_ok=True)
    options.screenshot(path=str(OUTPUT / "extension-options.png"))

    page = extension.open_dynamic_page(server)
    extension.click_toolbar(page)

    row = wait_until(lambda: (captures(db_path) or [None])[0], what="the capture")
    assert row["source"] == "extension" and row["status"] == "ok"
    assert row["url"] == server.url("/extension/dynamic.html")
    assert row["title"] == "A page that changes after load"
    db = store.open_db(db_path)
    snapshot = store.get_blob(db, row["snapshot_hash"]).content.decode()
    assert "Inserted by a script after load" in snapshot  # the live DOM ...
    assert "Revealed by a click" in snapshot and "hidden" not in snapshot.split(
        'id="hidden"')[1][:20]  # ... as it was after the click
    assert 'data-archiver-frame="0"' in snapshot  # the same-origin frame, stored on its own
    [frame] = store.capture_frames(db, row["id"])
    frame_html = store.frame_snapshot(db, row["id"], 0) or b""
    assert frame["url"] == server.url("/extension/frame.html")
    assert b"Text inside a same-origin iframe." in frame_html
    assert "Inserted by a script after load" in row["text"]  # extracted from that DOM
    assert f'href="{server.url("/extension/other.html")}"' in row["html"]
    screenshot = store.get_blob(db, row["screenshot_hash"]).content
    assert screenshot.startswith(b"\x89PNG") and row["screenshot_width"] > 100
    db.close()
    extension.wait_for_badge("✓")

    # Datasette shows it, and the link the extension keeps points at it
    json_url = f"{srv.url}/archive/captures/{row['id']}.json?_shape=objects"
    with urllib.request.urlopen(json_url, timeout=10) as response:
        shown = json.load(response)["rows"][0]
    assert shown["source"] == "extension" and shown["title"] == row["title"]
    recent = extension.worker.evaluate(
        "async () => (await chrome.storage.local.get('recent')).recent")
    assert recent[0]["status"] == "saved"
    assert recent[0]["captureUrl"] == f"{srv.url}/archive/captures/{row['id']}"


def test_backend_down_then_up_the_capture_arrives_once(
        extension: Extension, server: Any, live_server: Any, db_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    token = make_token(db_path)
    port = conftest.free_port()
    options = extension.configure(f"http://127.0.0.1:{port}", token)
    options.get_by_role("button", name="Test connection").click()
    expect(options.locator("#message")).to_contain_text("Server not running")

    page = extension.open_dynamic_page(server)
    extension.click_toolbar(page)
    extension.wait_for_badge("1")
    alarm = extension.worker.evaluate("() => chrome.alarms.get('archiver-retry')")
    assert alarm and alarm["scheduledTime"] > time.time() * 1000  # a retry is scheduled
    assert captures(db_path) == []

    monkeypatch.setattr(conftest, "free_port", lambda: port)
    live_server()

    def retried() -> bool:
        """The retry alarm fires (as Chrome would, again, while the outbox holds something:
        one that lands while the previous flush still holds the outbox's lock finds nothing
        to do) until the capture has arrived."""
        if extension.badge() != "✓":
            extension.worker.evaluate(RETRY)
            time.sleep(1)
        return extension.badge() == "✓"

    wait_until(retried, 30, f"badge '✓', is {extension.badge()!r}")
    extension.worker.evaluate(RETRY)  # nothing left to send: nothing new
    time.sleep(0.5)
    rows = captures(db_path)
    assert len(rows) == 1 and rows[0]["source"] == "extension"
    assert rows[0]["idempotency_key"]
    waiting = extension.worker.evaluate(
        "async () => ((await chrome.storage.local.get('outbox')).outbox || []).length")
    assert waiting == 0


def test_test_connection_says_what_is_wrong(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    options = extension.page("options.html")
    message = options.locator("#message")
    cases = [
        (srv.url, "wrong-token", "Wrong token"),
        (srv.url, "", "No token yet"),
        (server.url("/"), token, "Not an archiver server"),
        (f"http://127.0.0.1:{conftest.free_port()}", token, "Server not running"),
        ("ftp://127.0.0.1/", token, "must start with http"),
        (srv.url + "/", token, "Connected to archiver"),
    ]
    for url, tok, says in cases:
        options.get_by_label("Server URL").fill(url)
        options.get_by_label("Token").fill(tok)
        options.get_by_role("button", name="Test connection").click()
        expect(message).to_contain_text(says)
    assert "error" not in (message.get_attribute("class") or "")


def test_popup_saves_with_tags_and_lists_recent_saves(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    extension.configure(srv.url, token)
    page = extension.open_dynamic_page(server)
    tab_id = extension.worker.evaluate(
        "async () => (await chrome.tabs.query({active: true, lastFocusedWindow: true}))[0].id")
    popup = extension.page(f"popup.html?tabId={tab_id}")
    popup.set_viewport_size({"width": 372, "height": 420})
    popup.get_by_label("Tags (optional").fill("reading, extension test")
    page.bring_to_front()  # the screenshot is of the visible tab
    popup.get_by_role("button", name="Save this page").click()
    expect(popup.locator("#message")).to_have_text("Saved.")
    expect(popup.locator("ul.recent li").first).to_contain_text("Saved")
    OUTPUT.mkdir(exist_ok=True)
    popup.screenshot(path=str(OUTPUT / "extension-popup.png"))
    row = captures(db_path)[0]
    conn = sqlite3.connect(db_path)
    tags = sorted(r[0] for r in conn.execute(
        "select tag from page_tags t join captures c on c.page_id = t.page_id where c.id = ?",
        [row["id"]]))
    conn.close()
    assert tags == ["extension test", "reading"]


def test_archive_link_from_the_context_menu(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server("--allow-private-targets")
    extension.configure(srv.url, token)
    target = server.add_page(
        "/extension/linked.html",
        "<title>Linked page</title><article><h1>Linked page</h1><p>Captured by the server "
        "with Playwright, from a URL alone.</p></article>")
    extension.open_dynamic_page(server)
    extension.worker.evaluate(
        """async (url) => {
          const [tab] = await chrome.tabs.query({active: true, lastFocusedWindow: true});
          chrome.contextMenus.onClicked.dispatch({menuItemId: "archive-link", linkUrl: url}, tab);
        }""", target)
    row = wait_until(lambda: (captures(db_path) or [None])[0], 40, "the linked capture")
    assert row["url"] == target and row["source"] == "extension"
    assert row["status"] == "ok" and "from a URL alone" in row["text"]
    assert server.hits["/extension/linked.html"] == 1


def test_the_button_keeps_the_page_whole(extension: Extension, live_server: Any,
                                         db_path: Path) -> None:
    """The page's stylesheet and images come from the user's browser with the capture, so the
    archived page still shows them after the site is gone."""
    site = conftest.FixtureServer().start()
    png = (Path(__file__).parent / "pages" / "extension" / "dot.png").read_bytes()
    site.add("/styled/site.css", conftest.Reply(
        body=b".box { background: url(dot.png); width: 300px; height: 120px }"
             b" h1 { color: rgb(200, 30, 60) }", content_type="text/css"))
    site.add("/styled/dot.png", conftest.Reply(body=png, content_type="image/png"))
    site.add("/styled/photo.png", conftest.Reply(body=png, content_type="image/png"))
    url = site.add_page("/styled/page.html", (
        '<!doctype html><html><head><title>Styled page</title>'
        '<link rel="stylesheet" href="site.css"></head><body><h1>Styled page</h1>'
        '<p>Its look comes from a stylesheet and two images on the same site.</p>'
        '<div class="box"></div><img id="photo" src="photo.png" width="40" height="40">'
        '</body></html>'))
    token = make_token(db_path)
    srv = live_server()
    extension.configure(srv.url, token)
    page = extension.context.new_page()
    page.goto(url)
    extension.click_toolbar(page)
    row = wait_until(lambda: (captures(db_path) or [None])[0], what="the capture")
    site.stop()
    db = store.open_db(db_path)
    kept = {r["url"].rsplit("/", 1)[1] for r in store.capture_resources(db, row["id"])
            if r["body_hash"]}
    db.close()
    assert {"site.css", "dot.png", "photo.png"} <= kept, kept
    assert row["resources_status"] == "complete"

    replay = extension.context.new_page()
    requests: list[str] = []
    replay.on("request", lambda request: requests.append(request.url))
    replay.goto(f"{srv.url}/-/archiver/archive/{row['id']}/snapshot")
    assert replay.evaluate("getComputedStyle(document.querySelector('h1')).color") == (
        "rgb(200, 30, 60)")
    assert replay.evaluate("document.getElementById('photo').naturalWidth") > 0
    assert [r for r in requests if not r.startswith(srv.url)] == []


def test_watch_this_page_from_the_context_menu(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server("--no-watch")
    extension.configure(srv.url, token)
    page = extension.open_dynamic_page(server)
    clicked = extension.worker.evaluate(
        """async () => {
          const [tab] = await chrome.tabs.query({active: true, lastFocusedWindow: true});
          chrome.contextMenus.onClicked.dispatch({menuItemId: "watch-page"}, tab);
          return tab.url;
        }""")
    assert clicked == page.url
    watches = wait_until(lambda: _watches(db_path), 20, "the watch")
    assert watches == [(page.url, 86400, "extension", "new")]
    extension.wait_for_badge("✓")


def _watches(db_path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select url, interval, source, status from watches").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def _db_rows(db_path: Path, sql: str, params: list[Any] | None = None) -> list[Any]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def test_popup_says_the_page_is_in_the_archive(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = server.url("/extension/dynamic.html")
    for tags in (["news"], ["later"]):  # two versions of the page, saved before
        status, body, _ = api_request(srv, "POST", "/-/archiver/api/captures",
                                      posted_page(url=url + "#top", tags=tags), auth)
        assert status == 201, body
    extension.configure(srv.url, token)
    popup = extension.popup_for(extension.open_dynamic_page(server))

    status_line = popup.locator("#in-archive")
    expect(status_line).to_contain_text("In your archive: 2 versions, last saved ")
    reader = status_line.get_by_role("link", name="Open in the reader")
    assert (reader.get_attribute("href") or "").startswith(f"{srv.url}/-/archiver/archive/")
    expect(popup.get_by_label("Tags of this page")).to_have_value("later, news")
    expect(popup.get_by_label("Note")).to_have_value("")
    expect(popup.get_by_role("button", name="Save a new version")).to_be_visible()
    expect(popup.get_by_label("Tags (optional")).to_be_hidden()
    OUTPUT.mkdir(exist_ok=True)
    popup.screenshot(path=str(OUTPUT / "extension-popup-archived.png"))

    with popup.context.expect_page() as opened:
        reader.click()
    expect(opened.value.locator("body")).to_contain_text("Posted page")


def test_popup_saves_a_new_page_then_its_tags_and_note(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    extension.configure(srv.url, token)
    page = extension.open_dynamic_page(server)
    popup = extension.popup_for(page)
    expect(popup.locator("#in-archive")).to_have_text("Not in your archive yet.")
    expect(popup.get_by_label("Tags of this page")).to_be_hidden()
    OUTPUT.mkdir(exist_ok=True)
    popup.screenshot(path=str(OUTPUT / "extension-popup-new.png"))

    popup.get_by_label("Tags (optional").fill("first")
    page.bring_to_front()  # the screenshot is of the visible tab
    popup.get_by_role("button", name="Save this page").click()
    expect(popup.locator("#message")).to_have_text("Saved.")
    expect(popup.locator("#in-archive")).to_contain_text("In your archive: 1 version, last saved")
    tags = popup.get_by_label("Tags of this page")
    expect(tags).to_have_value("first")
    tags.fill("reading,  work later , reading")
    popup.get_by_label("Note").fill("Read the second half again.")
    popup.get_by_role("button", name="Save tags and note").click()
    expect(popup.locator("#message")).to_have_text("Tags and note saved.")
    expect(tags).to_have_value("reading, work later")  # as the archive stores them
    popup.screenshot(path=str(OUTPUT / "extension-popup-saved.png"))

    [(page_id, note)] = _db_rows(db_path, "select id, note from pages")
    assert note == "Read the second half again."
    assert _db_rows(db_path, "select tag from page_tags where page_id = ? order by tag",
                    [page_id]) == [("reading",), ("work later",)]
    recent = extension.worker.evaluate(
        "async () => (await chrome.storage.local.get('recent')).recent")
    assert recent[0]["pageId"] == page_id


def test_popup_says_why_it_cannot_ask_the_archive(
        extension: Extension, server: Any, live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    page = extension.open_dynamic_page(server)
    for url, tok, says in [(srv.url, "wrong-token", "Wrong token"),
                           (f"http://127.0.0.1:{conftest.free_port()}", token,
                            "Server not running")]:
        extension.configure(url, tok).close()
        popup = extension.popup_for(page)
        expect(popup.locator("#in-archive")).to_contain_text(says)
        assert "error" in (popup.locator("#in-archive").get_attribute("class") or "")
        expect(popup.get_by_label("Tags of this page")).to_be_hidden()
        OUTPUT.mkdir(exist_ok=True)
        popup.screenshot(path=str(OUTPUT / "extension-popup-error.png"))
        popup.close()
