"""Which records of an archive are pages.

In order of preference: the WACZ's page lists (`pages/pages.jsonl`, `pages/extraPages.jsonl`);
else Browsertrix's `urn:pageinfo:` records (one per page, with the URLs it loaded); else every
HTML response that was a top-level document (its request was a navigation, or nothing says
otherwise; frames and XHR are not pages).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from archiver.store.warc import RecordIndex
from archiver.warc import dates
from archiver.warc.container import ListedPage, WebArchive

LOAD_STATES = {
    0: "it failed to load",
    1: "only its HTML arrived, not the full page",
    2: "the full page loaded",
    3: "the full page loaded and its text was extracted",
    4: "the full page loaded and the crawler's behaviors ran",
}
MIN_LOAD_STATE = 2
"""Browsertrix's loadState below which a page did not load: recorded as failed."""


@dataclass
class PageRef:
    """A page to import, and what the crawl said about it."""

    url: str
    ts: str | None = None  # when the crawl loaded it (ISO), else the document's WARC-Date
    title: str | None = None
    load_state: int | None = None
    text: str | None = None  # the crawler's text of the page, if it kept one
    page_id: str | None = None
    urls: dict[str, dict[str, Any]] = field(default_factory=dict)  # pageinfo: what it loaded
    document: sqlite3.Row | None = None  # the response, when the page was found through it

    @property
    def ms(self) -> int | None:
        return dates.to_ms(self.ts)

    def crawl_failure(self) -> str | None:
        """Why the crawl did not load this page, or None."""
        if self.load_state is None or self.load_state >= MIN_LOAD_STATE:
            return None
        what = LOAD_STATES.get(self.load_state, "it did not load")
        return f"the crawl did not load this page (loadState {self.load_state}: {what})"


PageSource = Callable[[], Iterator["PageRef | str"]]


def page_source(archive: WebArchive, index: RecordIndex,
                read_json: Callable[[sqlite3.Row], Any]) -> tuple[str, PageSource]:
    """Where the pages come from ("page list", "pageinfo records" or "documents"), and a
    function iterating them (called twice: once to count, once to import). Messages about
    lines that are not pages come as str."""
    if archive.page_lists():
        return "page list", lambda: _listed(archive, index, read_json)
    if next(index.pageinfo_records(), None) is not None:
        return "pageinfo records", lambda: _from_pageinfo(index, read_json)
    return "documents", lambda: _from_documents(index)


def _listed(archive: WebArchive, index: RecordIndex,
            read_json: Callable[[sqlite3.Row], Any]) -> Iterator[PageRef | str]:
    for item in archive.pages():
        if isinstance(item, str):
            yield item
            continue
        page = _from_listed(item)
        info = index.resource_records(("urn:pageinfo:",), page.url, page.ms)
        if info is not None:
            _add_pageinfo(page, read_json(info))
        yield page


def _from_listed(listed: ListedPage) -> PageRef:
    return PageRef(url=listed.url, ts=listed.ts, title=listed.title,
                   load_state=listed.load_state, text=listed.text, page_id=listed.id)


def _from_pageinfo(index: RecordIndex,
                   read_json: Callable[[sqlite3.Row], Any]) -> Iterator[PageRef | str]:
    for row in index.pageinfo_records():
        data = read_json(row)
        url = data.get("url") if isinstance(data, dict) else None
        if not isinstance(url, str):
            url = str(row["url"])[len("urn:pageinfo:"):]
        if not url.startswith(("http://", "https://")):
            yield f"{row['url']}: not an http(s) page"
            continue
        page = PageRef(url=url, ts=_text(data.get("ts")) if isinstance(data, dict) else None)
        page.ts = page.ts or row["date"]
        if isinstance(data, dict):
            page.title = _text(data.get("title"))
            page.load_state = data.get("loadState") if isinstance(
                data.get("loadState"), int) else None
        _add_pageinfo(page, data)
        yield page


def _add_pageinfo(page: PageRef, data: Any) -> None:
    if not isinstance(data, dict):
        return
    urls = data.get("urls")
    if isinstance(urls, dict):
        page.urls = {u: v if isinstance(v, dict) else {} for u, v in urls.items()
                     if isinstance(u, str)}
    if isinstance(data.get("pageid"), str):
        page.page_id = page.page_id or data["pageid"]


def _from_documents(index: RecordIndex) -> Iterator[PageRef | str]:
    for row in index.document_records():
        if not str(row["url"]).startswith(("http://", "https://")):
            yield f"{row['url']}: not an http(s) page"
            continue
        first = _first_hop(index, row)
        yield PageRef(url=first["url"], ts=first["date"], page_id=row["page_id"],
                      document=first)


def _first_hop(index: RecordIndex, row: sqlite3.Row) -> sqlite3.Row:
    """The response a browser got first for this page: the start of the redirects that led
    to it (the URL that was asked for)."""
    for _ in range(10):
        hop = index.redirect_to(row["url"], row["ms"])
        if hop is None or hop["id"] == row["id"]:
            break
        row = hop
    return row


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_json(data: bytes | None) -> Any:
    """A pageinfo record's JSON, or None (bounded by the record size; deep nesting refused)."""
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None
