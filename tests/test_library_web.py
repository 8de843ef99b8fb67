"""Working on the library in the browser (issue #27): add pages, delete pages and versions,
edit tags and the note, mark pages, act on a selection; cross-site and token-less POSTs refused.

Real Chromium against a real `archiver serve` (the capture worker included); Datasette's
in-process client where no browser is needed. Screenshots go to tests/output/.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import FixtureServer, LiveServer, wait_until
from datasette.app import Datasette
from helpers import page_html, save
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from archiver import store
from archiver.models import Article, Capture
from archiver.web import runtime
from archiver.web.library import human_size, safe_next, with_arg

OUTPUT = Path(__file__).parent / "output"
HOME = "/-/archiver/archive/"
LONG = " ".join(f"Sentence {n} about the keepers, the lamp and the long winter." for n in range(30))


def add_page(db_path: Path, title: str, url: str, versions: int = 1, status: str = "ok",
             tags: tuple[str, ...] = ()) -> tuple[int, list[int]]:
    """A page with `versions` captures, made directly in the archive: (page id, capture ids)."""
    db = store.open_db(db_path)
    try:
        ids = []
        for n in range(versions):
            capture = Capture(url=url, http_status=200 if status == "ok" else None,
                              content_type="text/html", status=status, html="<p>x</p>",
                              title=title, captured_at=f"2026-0{n + 1}-01T10:00:00Z",
                              error=None if status == "ok" else "net::ERR_CONNECTION_REFUSED")
            article = Article(title=title, text=f"{title}. {LONG} Version {n + 1}.",
                              html=f"<p>{title}. {LONG} Version {n + 1}.</p>", word_count=300)
            ids.append(store.save_capture(db, capture, article if status == "ok" else None,
                                          tags=tags))
        return store.page_of_capture(db, ids[0]), ids
    finally:
        db.close()


def page_row(db_path: Path, page_id: int) -> dict[str, Any] | None:
    db = store.open_db(db_path)
    try:
        return store.get_page(db, page_id)
    except Exception:  # NotFound
        return None
    finally:
        db.close()


def count(db_path: Path, sql: str, *args: Any) -> Any:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archive(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two pages captured for real (with screenshots), for the cards to look like cards."""
    db_path = tmp_path_factory.mktemp("library") / "archive.db"
    server.add_page("/library/lighthouse.html", page_html("The lighthouse at dusk",
                                                          f"<p>{LONG}</p>"))
    server.add_page("/library/harbour.html", page_html("Harbour wall", f"<p>{LONG}</p>"))
    save(db_path, server.url("/library/lighthouse.html"), server.url("/library/harbour.html"))
    return {"db_path": db_path}


@pytest.fixture(scope="module")
def live(archive: dict[str, Any]) -> Iterator[LiveServer]:
    srv = LiveServer(archive["db_path"], "--allow-private-targets")
    yield srv
    srv.stop()


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def goto(tab: Page, url: str, status: int = 200) -> None:
    response = tab.goto(url, wait_until="load", timeout=15000)
    assert response is not None and response.status == status, (url, response and
                                                                 response.status)


def card(tab: Page, title: str) -> Any:
    return tab.locator(".cards .card").filter(has=tab.locator(".card-title", has_text=title))


def message(tab: Page) -> str:
    """The notice the form's answer shows (waited for: the click only starts the POST)."""
    notices = tab.locator("p.message-info, p.message-warning")
    notices.first.wait_for(timeout=15000)
    return " ".join(notices.all_inner_texts())


def reload_until(tab: Page, condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Reload the page every half second until `condition()` (the page also reloads itself
    while captures run: a reload that collides with that one is just tried again)."""

    def reloaded() -> bool:
        try:
            tab.reload(wait_until="load")
            return condition()
        except PlaywrightError:
            return False
        finally:
            tab.wait_for_timeout(500)

    wait_until(reloaded, timeout, what)


def snap(tab: Page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    tab.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


# --- in the browser


def test_add_pages_through_the_form(tab: Page, live: LiveServer, server: FixtureServer,
                                    archive: dict[str, Any]) -> None:
    url = server.add_page("/library/added.html", page_html("Added through the form",
                                                           f"<p>{LONG}</p>"))
    nowhere = "http://127.0.0.1:1/nothing-listens-here"
    goto(tab, live.url + HOME)
    tab.get_by_label("Add pages").fill(f"{url}\nnot a url\n\n{nowhere}")
    tab.get_by_label("Tags for the added pages").fill("from the web, later")
    tab.get_by_role("button", name="Add", exact=True).click()
    tab.wait_for_url("**/?added=*")
    # (web-first assertions: they wait out the page's own reloads while jobs run)
    expect(tab.locator(".job-refused")).to_have_count(1)
    expect(tab.locator(".job-refused .job-url")).to_have_text("not a url")
    expect(tab.locator(".job-refused .job-error")).to_contain_text("not a URL")
    expect(tab.locator(".job").filter(has_text=url)).to_have_count(1)
    expect(tab.locator("meta[http-equiv=refresh]")).to_have_count(1)  # while they are captured

    reload_until(tab, lambda: tab.locator(".job-queued, .job-running").count() == 0, 90,
                 "the captures to finish")
    done = tab.locator(".job-done").filter(has_text=url)
    assert done.count() == 1 and done.locator("a").get_attribute("href").startswith(HOME)
    failed = tab.locator(".job-failed").filter(has_text=nowhere)
    assert failed.count() == 1 and failed.locator(".job-error").inner_text().strip()
    assert tab.locator("meta[http-equiv=refresh]").count() == 0  # done: no more reloading
    added = card(tab, "Added through the form")
    assert added.count() == 1
    assert added.locator(".tag").all_inner_texts() == ["from the web", "later"]
    assert count(archive["db_path"], "select source from captures where url = ?", url) == "web"
    snap(tab, "library-added")
    tab.get_by_role("link", name="Hide this list").click()
    assert tab.locator(".adding").count() == 0


def test_delete_a_version_then_the_whole_page(tab: Page, live: LiveServer,
                                              archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    page_id, (old, new) = add_page(db_path, "Two versions of a page",
                                   "https://example.org/library/two-versions", versions=2)
    goto(tab, f"{live.url}{HOME}page/{page_id}")
    tab.locator(".timeline li").filter(has_text="2026-01-01").get_by_role(
        "link", name="delete…").click()
    assert "Delete this version?" in tab.locator("h1").inner_text()
    confirm = tab.locator(".confirm-delete").inner_text()
    assert "Two versions of a page" in confirm and "one of 2" in confirm
    assert re.search(r"frees \d+(\.\d)? (bytes|KB)", confirm)
    assert count(db_path, "select count(*) from captures where id = ?", old) == 1  # GET: nothing
    tab.get_by_role("button", name="Delete", exact=True).click()
    assert tab.url.endswith(f"{HOME}page/{page_id}")
    assert "Deleted 1 version" in message(tab)
    assert tab.locator(".timeline li").count() == 1
    assert count(db_path, "select count(*) from captures where id = ?", old) == 0

    tab.get_by_role("link", name="Delete the page…").click()
    assert "Delete this page and every version?" in tab.locator("h1").inner_text()
    tab.get_by_role("button", name="Delete", exact=True).click()
    assert tab.url.endswith(HOME)
    assert "Deleted 1 page (1 version)" in message(tab)
    assert page_row(db_path, page_id) is None
    assert count(db_path, "select count(*) from captures where id = ?", new) == 0
    assert card(tab, "Two versions of a page").count() == 0


def test_delete_from_the_card_and_the_reader_view(tab: Page, live: LiveServer,
                                                  archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    first, _ = add_page(db_path, "Deleted from its card", "https://example.org/library/card")
    second, (old, new) = add_page(db_path, "Deleted from the reader",
                                  "https://example.org/library/reader", versions=2)
    goto(tab, live.url + HOME)
    card(tab, "Deleted from its card").get_by_role("link", name="Delete…").click()
    tab.get_by_role("link", name="Cancel").click()  # changes nothing
    assert tab.url.endswith(HOME) and page_row(db_path, first) is not None
    card(tab, "Deleted from its card").get_by_role("link", name="Delete…").click()
    tab.get_by_role("button", name="Delete", exact=True).click()
    assert page_row(db_path, first) is None and tab.url.endswith(HOME)

    goto(tab, f"{live.url}{HOME}{new}")
    tab.get_by_role("link", name="Delete this version…").click()
    tab.get_by_role("button", name="Delete", exact=True).click()
    assert "Deleted 1 version" in message(tab) and tab.url.endswith(f"{HOME}page/{second}")
    goto(tab, f"{live.url}{HOME}{old}")
    assert tab.get_by_role("link", name="Delete this version…").count() == 0  # the only one
    tab.get_by_role("link", name="Delete this page…").click()
    tab.get_by_role("button", name="Delete", exact=True).click()
    assert "Deleted 1 page" in message(tab) and tab.url.endswith(HOME)
    assert page_row(db_path, second) is None


def test_edit_tags_and_note_inline(tab: Page, live: LiveServer, archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    page_id, (capture,) = add_page(db_path, "A page to annotate",
                                   "https://example.org/library/annotate", tags=("old tag",))
    goto(tab, live.url + HOME)
    mine = card(tab, "A page to annotate")
    mine.locator(".page-edit summary").click()
    assert mine.get_by_label("Tags").input_value() == "old tag"
    mine.get_by_label("Tags").fill("sea,  lamps , sea")
    mine.get_by_label("Note").fill("Ask about the logbooks.\nSecond line.")
    mine.get_by_role("button", name="Save").click()
    assert "Saved the tags and the note." in message(tab)
    tab.reload()
    assert card(tab, "A page to annotate").locator(".tag").all_inner_texts() == ["lamps", "sea"]
    page = page_row(db_path, page_id)
    assert page is not None and page["note"] == "Ask about the logbooks.\nSecond line."

    goto(tab, f"{live.url}{HOME}{capture}")
    assert "Ask about the logbooks." in tab.locator(".capture-info .note").inner_text()
    tab.locator(".reader-actions summary").click()
    tab.locator(".reader-actions").get_by_label("Tags").fill("lamps")
    tab.locator(".reader-actions").get_by_label("Note").fill("")
    tab.locator(".reader-actions").get_by_role("button", name="Save").click()
    assert "Saved" in message(tab)
    assert tab.url.endswith(f"{HOME}{capture}")  # back where it was
    tab.reload()
    assert tab.locator(".capture-info .tags .tag").all_inner_texts() == ["lamps"]
    assert tab.locator(".capture-info .note .none").count() == 1


def test_mark_read_archived_favourite(tab: Page, live: LiveServer,
                                      archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    page_id, (capture,) = add_page(db_path, "A page to mark", "https://example.org/library/mark")
    goto(tab, live.url + HOME)
    mine = card(tab, "A page to mark")
    mine.get_by_role("button", name="Mark read").click()
    assert "Marked 1 page read." in message(tab)
    assert "is-read" in card(tab, "A page to mark").get_attribute("class")
    goto(tab, live.url + HOME + "?show=unread")
    assert card(tab, "A page to mark").count() == 0

    goto(tab, live.url + HOME)
    card(tab, "A page to mark").get_by_role("button", name="☆ Favourite").click()
    goto(tab, live.url + HOME + "?show=favourites")
    assert card(tab, "A page to mark").count() == 1

    goto(tab, f"{live.url}{HOME}{capture}")
    tab.locator(".reader-actions").get_by_role("button", name="Archive").click()
    assert tab.url.endswith(f"{HOME}{capture}")
    assert tab.locator(".reader-actions").get_by_role("button", name="Archive").count() == 0
    page = page_row(db_path, page_id)
    assert page is not None and (page["state"], page["favourite"]) == ("archived", 1)
    goto(tab, live.url + HOME)
    assert card(tab, "A page to mark").count() == 0  # the default list hides archived pages
    goto(tab, live.url + HOME + "?show=archived")
    assert card(tab, "A page to mark").count() == 1
    card(tab, "A page to mark").get_by_role("button", name="★ Favourite").click()
    assert tab.url.endswith("?show=archived")  # back to the same filter
    page = page_row(db_path, page_id)
    assert page is not None and page["favourite"] == 0


def test_act_on_a_selection(tab: Page, live: LiveServer, archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    one, _ = add_page(db_path, "Selected page one", "https://example.org/library/sel-1")
    two, _ = add_page(db_path, "Selected page two", "https://example.org/library/sel-2")
    other, _ = add_page(db_path, "Not selected", "https://example.org/library/sel-3")
    goto(tab, live.url + HOME)
    for title in ("Selected page one", "Selected page two"):
        card(tab, title).locator(".pick input").check()
    bulk = tab.locator(".bulk-bar")
    bulk.get_by_label("Tag for the selected pages").fill("batch")
    bulk.get_by_label("Tag for the selected pages").press("Enter")  # Enter adds the tag
    assert "Tagged 2 pages batch." in message(tab)
    assert [page_row(db_path, p)["tags"] for p in (one, two, other)] == [  # type: ignore[index]
        ["batch"], ["batch"], []]
    for title in ("Selected page one", "Selected page two"):
        card(tab, title).locator(".pick input").check()
    bulk.get_by_role("button", name="Archive").click()
    assert "Marked 2 pages archived." in message(tab)
    assert [page_row(db_path, p)["state"] for p in (one, two, other)] == [  # type: ignore[index]
        "archived", "archived", "unread"]
    goto(tab, live.url + HOME + "?show=archived")
    assert card(tab, "Selected page one").count() == 1 and card(tab, "Selected page two").count()

    bulk.get_by_role("button", name="Mark read").click()  # nothing selected
    assert "Select one or more pages first." in " ".join(
        tab.locator("p.message-warning").all_inner_texts())
    for title in ("Selected page one", "Selected page two"):
        card(tab, title).locator(".pick input").check()
    tab.locator(".bulk-bar").get_by_role("button", name="Delete…").click()
    assert "Delete 2 pages and every version?" in tab.locator("h1").inner_text()
    items = tab.locator(".delete-items li").all_inner_texts()
    assert len(items) == 2 and "Selected page one" in items[0] + items[1]
    tab.get_by_role("button", name="Delete", exact=True).click()
    assert tab.url.endswith("?show=archived")
    assert "Deleted 2 pages" in message(tab)
    assert page_row(db_path, one) is None and page_row(db_path, two) is None
    assert page_row(db_path, other) is not None


def test_a_failed_page_can_be_retried(tab: Page, live: LiveServer, server: FixtureServer,
                                      archive: dict[str, Any]) -> None:
    url = server.add_page("/library/back-again.html", page_html("Back again", f"<p>{LONG}</p>"))
    page_id, _ = add_page(archive["db_path"], "", url, status="failed")
    goto(tab, live.url + HOME + "?show=failed")
    failed = tab.locator(f".card[data-page-id='{page_id}']")
    assert failed.get_by_role("link", name="Delete…").count() == 1
    failed.get_by_role("button", name="Retry").click()
    tab.wait_for_url("**/?show=failed&added=*")

    reload_until(tab, lambda: tab.locator(".job-done").count() == 1, 60, "the retry to finish")
    assert tab.locator(f".card[data-page-id='{page_id}']").count() == 0  # no longer failed
    page = page_row(archive["db_path"], page_id)
    assert page is not None and page["versions"] == 2 and page["good_capture_id"]


ATTACK = """<!doctype html><html><body><h1>Win a prize</h1>
<form method="post" action="{action}">{fields}</form>
<script>document.forms[0].submit()</script></body></html>"""


@pytest.mark.parametrize("attacker_host", ["localhost", "127.0.0.1"])
def test_a_cross_site_form_post_is_refused(attacker_host: str, tab: Page, live: LiveServer,
                                           server: FixtureServer,
                                           archive: dict[str, Any]) -> None:
    """A page on another origin auto-submits a form to the archive, with a token that is
    really the archive's (so only the Origin check stands in the way). From `localhost` the
    POST is cross-site and carries no cookie (SameSite=Lax); from 127.0.0.1 on another port it
    is same-site, cross-origin, and carries the archive's cookies."""
    db_path = archive["db_path"]
    page_id, _ = add_page(db_path, f"Target of an attack from {attacker_host}",
                          f"https://example.org/library/attacked-{attacker_host}")
    goto(tab, live.url + HOME)  # the user has the archive open: its cookies are set
    token = tab.locator(".bulk-bar input[name=csrftoken]").get_attribute("value")
    fields = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in
                     [("csrftoken", token), ("page", page_id), ("action", "archived")])
    path = f"/library/attack-{attacker_host}.html"
    server.add_page(path, ATTACK.format(action=f"{live.url}{HOME}pages", fields=fields))
    with tab.expect_response(f"{live.url}{HOME}pages") as answer:
        tab.goto(f"http://{attacker_host}:{server.port}{path}", wait_until="commit")
    assert answer.value.status == 403
    tab.wait_for_load_state()
    assert tab.url == f"{live.url}{HOME}pages"  # the form was really posted, and refused
    assert "Refused" in tab.locator("body").inner_text()
    page = page_row(db_path, page_id)
    assert page is not None and page["state"] == "unread"


def raw_post(srv: LiveServer, path: str, fields: dict[str, Any],
             headers: dict[str, str] | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("POST", path, body=urlencode(fields, doseq=True),
                 headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


def test_a_post_without_csrftoken_is_refused(live: LiveServer, archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    page_id, _ = add_page(db_path, "Without a token", "https://example.org/library/no-token")
    status, body = raw_post(live, HOME + "pages", {"page": page_id, "action": "archived"},
                            {"Origin": live.url, "Sec-Fetch-Site": "same-origin"})
    assert status == 403 and "csrftoken" in body
    status, body = raw_post(live, HOME + "delete", {"page": page_id},
                            {"Origin": live.url})
    assert status == 403
    page = page_row(db_path, page_id)
    assert page is not None and page["state"] == "unread"


# --- looking at it


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_for_a_person(width: int, chromium: Browser, live: LiveServer,
                                  archive: dict[str, Any]) -> None:
    db_path = archive["db_path"]
    add_page(db_path, "A page with a rather long title that has to wrap on a narrow phone",
             f"https://example.org/library/shot-{width}", versions=2, tags=("lighthouses",))
    context = chromium.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    overflow = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    try:
        goto(tab, live.url + HOME)
        tab.get_by_label("Add pages").fill("https://example.org/one\nhttps://example.org/two")
        tab.locator(".cards .card").nth(1).locator(".pick input").check()
        tab.locator(".cards .card").first.locator(".page-edit summary").click()  # Datasette's
        # script closes an open <details> on a click elsewhere: this one comes last
        assert tab.evaluate(overflow) <= 0, "the home page is wider than the window"
        snap(tab, f"library-home-{width}")
        tab.locator(".cards .card").nth(1).locator(".page-actions button").first.click()
        tab.wait_for_load_state("load")  # the form's answer: a redirect home, then the page
        tab.screenshot(path=str(OUTPUT / f"library-message-{width}.png"))
        tab.locator(".cards .card").first.get_by_role("link", name="Delete…").click()
        tab.wait_for_load_state("load")
        assert tab.evaluate(overflow) <= 0
        snap(tab, f"library-delete-{width}")
        goto(tab, live.url + HOME)
        tab.locator(".cards .card").first.locator(".card-title").click()
        tab.wait_for_load_state("load")
        tab.locator(".reader-actions summary").click()
        assert tab.evaluate(overflow) <= 0
        tab.locator(".capture-info").scroll_into_view_if_needed()
        tab.locator(".capture-info").screenshot(path=str(OUTPUT / f"library-reader-{width}.png"))
    finally:
        context.close()


# --- without a browser: Datasette's in-process client


@pytest.fixture
def ds(db_path: Path) -> Iterator[Datasette]:
    add_page(db_path, "In-process page", "https://example.org/library/in-process")
    datasette = Datasette([str(db_path)])
    yield datasette
    state = runtime.server_state(datasette)
    if state is not None:
        state.worker.close()


def run(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own (this thread may hold Playwright's
    event loop, when the browser tests ran first)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=120)


async def token_and_cookies(ds: Datasette) -> tuple[str, dict[str, str]]:
    response = await ds.client.get(HOME)
    assert response.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', response.text)
    assert token is not None
    return token.group(1), dict(response.cookies)


SAME = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def test_the_forms_refuse_what_does_not_come_from_the_archive(ds: Datasette,
                                                              db_path: Path) -> None:
    async def go() -> list[tuple[int, str]]:
        token, cookies = await token_and_cookies(ds)
        fields = {"csrftoken": token, "page": "1", "action": "archived"}
        cases = [
            ({}, fields),  # no Origin
            ({"Origin": "http://evil.example"}, fields),
            ({"Origin": "null"}, fields),
            ({"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"}, fields),
            ({"Origin": "http://localhost", "Sec-Fetch-Site": "same-site"}, fields),
            (SAME, {**fields, "csrftoken": ""}),
            (SAME, {**fields, "csrftoken": "made-up"}),
            (SAME, {k: v for k, v in fields.items() if k != "csrftoken"}),
        ]
        answers = []
        for headers, data in cases:
            response = await ds.client.post(HOME + "pages", data=data, headers=headers)
            answers.append((response.status_code, response.text))
        get = await ds.client.get(HOME + "pages?page=1&action=archived")
        answers.append((get.status_code, get.headers.get("allow", "")))
        return answers

    answers = run(go())
    assert [status for status, _ in answers[:-1]] == [403] * 8
    assert "no Origin header" in answers[0][1] and "evil.example" in answers[1][1]
    assert "Sec-Fetch-Site" in answers[3][1] and "csrftoken" in answers[5][1]
    assert answers[-1] == (405, "POST")  # GET changes nothing
    assert count(db_path, "select state from pages where id = 1") == "unread"


def test_the_forms_act_in_process(ds: Datasette, db_path: Path) -> None:
    async def go() -> list[Any]:
        token, cookies = await token_and_cookies(ds)

        async def post(path: str, **data: Any) -> Any:
            return await ds.client.post(path, data={"csrftoken": token, **data}, headers=SAME,
                                        cookies=cookies)

        seen = []
        response = await post(HOME + "pages", page=["1"], action="favourite",
                              next="//evil.example/")
        seen.append((response.status_code, response.headers["location"]))
        response = await post(HOME + "pages", page="1", action="add-tag", tag="a, b")
        response = await post(HOME + "pages", page="1", action="remove-tag", tag="a")
        response = await post(HOME + "page/1/edit", tags="b, c", note=" A note \r\nline ",
                              next=HOME + "1")
        seen.append((response.status_code, response.headers["location"]))
        response = await post(HOME + "pages", page="1", action="explode")
        seen.append(response.status_code)
        response = await post(HOME + "pages", page="1", action="delete", next=HOME)
        seen.append(response.headers["location"])
        confirm = await ds.client.get(response.headers["location"])
        seen.append(confirm.status_code)
        seen.append(count(db_path, "select count(*) from pages"))  # a dry run deletes nothing
        response = await post(HOME + "delete", page="1")
        seen.append((response.status_code, response.headers["location"]))
        return seen

    seen = run(go())
    assert seen[0] == (303, HOME)  # never back to another site
    assert seen[1] == (303, HOME + "1")
    assert seen[2] == 400
    assert seen[3] == HOME + "delete?page=1&next=%2F-%2Farchiver%2Farchive%2F"
    assert seen[4:6] == [200, 1]
    assert seen[6] == (303, HOME)
    assert count(db_path, "select count(*) from pages") == 0


def test_edits_land_on_the_page(ds: Datasette, db_path: Path) -> None:
    async def go() -> None:
        token, cookies = await token_and_cookies(ds)
        for data in ({"page": "1", "action": "favourite"}, {"page": "1", "action": "read"},
                     {"page": "1", "action": "add-tag", "tag": "x, y"}):
            response = await ds.client.post(HOME + "pages", data={"csrftoken": token, **data},
                                            headers=SAME, cookies=cookies)
            assert response.status_code == 303
        response = await ds.client.post(HOME + "page/1/edit", headers=SAME, cookies=cookies,
                                        data={"csrftoken": token, "tags": "y, z",
                                              "note": " A note \r\nline "})
        assert response.status_code == 303

    run(go())
    db = store.open_db(db_path)
    page = store.get_page(db, 1)
    db.close()
    assert (page["favourite"], page["state"], page["tags"], page["note"]) == (
        1, "read", ["y", "z"], "A note \nline")


def test_deleting_the_only_version_deletes_the_page(ds: Datasette, db_path: Path) -> None:
    async def go() -> tuple[str, int, str]:
        token, cookies = await token_and_cookies(ds)
        confirm = await ds.client.get(HOME + "delete?capture=1")
        response = await ds.client.post(HOME + "delete", headers=SAME, cookies=cookies,
                                        data={"csrftoken": token, "capture": "1"})
        return confirm.text, response.status_code, response.headers["location"]

    confirm, status, location = run(go())
    assert "Delete this version?" in confirm
    assert "it is the only version, so the page goes too" in confirm
    assert (status, location) == (303, HOME)
    assert count(db_path, "select count(*) from pages") == 0


def test_invalid_and_private_lines_are_reported_not_queued(ds: Datasette) -> None:
    lines = ["not a url", "hello", "ftp://example.org/file", "http://127.0.0.1:8001/",
             "http://localhost/admin", "http://[::1]/", "http://10.0.0.8/", "http://169.254.169.254/"]

    async def go() -> tuple[str, str]:
        token, cookies = await token_and_cookies(ds)
        response = await ds.client.post(HOME + "add", headers=SAME, cookies=cookies,
                                        data={"csrftoken": token, "url": "\n".join(lines)})
        assert response.status_code == 303 and "?added=" in response.headers["location"]
        location = response.headers["location"]
        return location.split("added=")[1], str((await ds.client.get(location)).text)

    batch_id, html = run(go())
    refused = re.findall(r'<li class="job job-refused">(.*?)</li>', html, re.S)
    assert len(refused) == len(lines)
    assert "not a URL" in refused[0] and "not a URL" in refused[1]
    assert "only web pages can be archived" in refused[2]
    assert "loopback" in refused[3] and "loopback" in refused[4] and "loopback" in refused[5]
    assert "private address" in refused[6] and "link-local" in refused[7]
    assert "--allow-private-targets" in refused[3]
    assert 'http-equiv="refresh"' not in html  # nothing to wait for
    state = runtime.server_state(ds)
    batch = state.web_jobs.get(batch_id) if state else None
    assert batch is not None and batch.jobs == [] and len(batch.refused) == len(lines)


def test_helpers() -> None:
    assert human_size(999) == "999 bytes" and human_size(1_234_567) == "1.2 MB"
    assert with_arg("/-/archiver/a/?show=failed&added=x", "added", "y") == (
        "/-/archiver/a/?show=failed&added=y")

    class F:
        def __init__(self, target: str) -> None:
            self.target = target

        def get(self, _name: str) -> str:
            return self.target

    for target in ("//evil.example/", "https://evil.example/-/archiver/a/", "/\\evil.example",
                   "/-/archiver/b/", "/-/archiver/a/\r\nX: y"):
        assert safe_next(F(target), "a") == "/-/archiver/a/", target  # type: ignore[arg-type]
    assert safe_next(F("/-/archiver/a/12"), "a") == "/-/archiver/a/12"  # type: ignore[arg-type]
