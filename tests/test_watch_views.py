"""Telling the user what changed: the Atom feed (read by feedparser), the Changes view and the
watches table in Datasette (`datasette.client`), and a screenshot of the Changes view."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import FixtureServer, LiveServer, Reply
from datasette.app import Datasette
from playwright.sync_api import Browser

OUTPUT = Path(__file__).parent / "output"
FAST = ["--timeout", "10", "--request-timeout", "2", "--no-resources", "--no-consent-handling"]
FILLER = " ".join(f"Clause {n} stays exactly as it was written." for n in range(30))


def cli(db_path: Path, *args: str, now: str) -> str:
    """The real `archiver` command in its own process (the sync Playwright owns this loop)."""
    env = {**os.environ, "ARCHIVER_NOW": now, "ARCHIVER_DB": str(db_path)}
    result = subprocess.run([sys.executable, "-m", "archiver", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def watched(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two watched pages: the terms change (tagged legal), the offer disappears."""
    db_path = tmp_path_factory.mktemp("watchviews") / "archive.db"
    terms = {"text": "Refunds are possible within thirty days."}

    def terms_page(_handler: Any) -> Reply:
        html = (f"<html><head><title>Terms of sale</title></head><body><article><h1>Terms of "
                f"sale</h1><p>{terms['text']}</p><p>{FILLER}</p></article></body></html>")
        return Reply(body=html.encode())

    offer = {"status": 200}

    def offer_page(_handler: Any) -> Reply:
        html = (f"<html><head><title>Spring offer</title></head><body><article><h1>Spring "
                f"offer</h1><p>{FILLER}</p></article></body></html>")
        return Reply(body=html.encode(), status=offer["status"])

    terms_url = server.add("/watchviews/terms", terms_page)
    offer_url = server.add("/watchviews/offer", offer_page)
    cli(db_path, "watch", "add", terms_url, "--every", "1d", "--tag", "legal", now="2026-04-01")
    cli(db_path, "watch", "add", offer_url, "--every", "12h", now="2026-04-01")
    cli(db_path, "watch", "run", *FAST, now="2026-04-01T08:00:00Z")
    terms["text"] = "Refunds are possible within fourteen days, and only with a receipt."
    cli(db_path, "watch", "run", *FAST, now="2026-04-02T08:00:00Z")
    offer["status"] = 410
    cli(db_path, "watch", "run", *FAST, now="2026-04-03T08:00:00Z")
    return {"db_path": db_path, "terms": terms_url, "offer": offer_url}


def get(db_path: Path, path: str) -> Any:
    async def fetch() -> Any:
        return await Datasette([str(db_path)]).client.get(path)

    return asyncio.run(fetch())


def test_the_atom_feed_has_one_entry_per_change_with_the_diff(watched: dict[str, Any]) -> None:
    response = get(watched["db_path"], "/-/archiver/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    gone, changed = feed.entries  # newest first
    assert gone.title == "Gone: Spring offer"
    assert changed.title == "Changed: Terms of sale"
    assert changed.tags[0].term == "legal"
    html = changed.content[0].value
    assert "<ins>fourteen days, and only with a receipt.</ins>" in html
    assert "<del>thirty days.</del>" in html
    assert "7 words added, 2 words removed" in html
    links = {part.split('"')[0] for part in html.split('href="')[1:]}
    # The two pages are captured at the same time: which one gets the lower ids varies.
    with sqlite3.connect(watched["db_path"]) as conn:
        first, second = conn.execute("SELECT id FROM captures WHERE title = 'Terms of sale' "
                                     "ORDER BY id").fetchall()
        (page_id,) = conn.execute("SELECT page_id FROM captures WHERE id = ?", first).fetchone()
    base = "http://localhost/-/archiver/archive"
    assert {f"{base}/{first[0]}", f"{base}/{second[0]}", f"{base}/page/{page_id}"} <= links
    assert changed.link == f"{base}/{second[0]}"
    assert changed.updated.startswith("2026-04-02T08:00:00")


def test_the_feed_can_follow_one_tag(watched: dict[str, Any]) -> None:
    feed = feedparser.parse(get(watched["db_path"], "/-/archiver/archive/changes.atom?tag=legal")
                            .text)
    assert [e.title for e in feed.entries] == ["Changed: Terms of sale"]


def test_the_changes_view_lists_changes_newest_first_and_filters(
        watched: dict[str, Any]) -> None:
    page = get(watched["db_path"], "/-/archiver/archive/changes")
    assert page.status_code == 200
    html = page.text
    assert html.index("Spring offer") < html.index("Terms of sale")
    assert "<ins>fourteen days, and only with a receipt.</ins>" in html
    assert "The page answered: the server answered HTTP 410" in html
    assert 'type="application/atom+xml"' in html
    legal = get(watched["db_path"], "/-/archiver/archive/changes?tag=legal").text
    assert "Terms of sale" in legal and "Spring offer" not in legal
    elsewhere = get(watched["db_path"], "/-/archiver/archive/changes?site=elsewhere.example").text
    assert "No changes for this filter yet" in elsewhere


def test_watches_are_a_table_with_facets(watched: dict[str, Any]) -> None:
    data = get(watched["db_path"], "/archive/watches.json?_shape=objects").json()
    assert {r["url"] for r in data["rows"]} == {watched["terms"], watched["offer"]}
    facets = data["facet_results"]
    assert {"status", "site", "tag"} <= set(facets)
    statuses = {v["value"]: v["count"] for v in facets["status"]["results"]}
    assert statuses == {"ok": 1, "gone": 1}
    table = get(watched["db_path"], "/archive/watches").text
    assert "words</span>" in table and "Clause 29 stays" not in table  # not the whole text
    assert "<ins>fourteen days, and only with a receipt.</ins>" in get(
        watched["db_path"], "/archive/checks").text
    changes = get(watched["db_path"], "/archive/changes.json?_shape=objects&tag=&site=").json()
    assert [r["outcome"] for r in changes["rows"]] == ["gone", "changed"]


def test_the_changes_view_as_a_person_sees_it(watched: dict[str, Any],
                                              chromium: Browser) -> None:
    live = LiveServer(watched["db_path"])
    try:
        page = chromium.new_page(viewport={"width": 1100, "height": 800})
        response = page.goto(live.url + "/-/archiver/archive/changes", wait_until="load")
        assert response is not None and response.status == 200
        inserted = page.locator("ins", has_text="fourteen days")
        assert inserted.is_visible()
        assert inserted.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "changes.png"), full_page=True)
        page.close()
    finally:
        live.stop()
