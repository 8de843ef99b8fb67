"""A `Capture` for one page of a web archive: its document (after following its redirects),
every resource it needs, its screenshot, built from the archive's records.

The resources are what the page refers to (its HTML, and recursively its stylesheets and
frames), what the crawler listed for it (`urn:pageinfo:`) and what was recorded under its page
id (WARC-Page-ID). Each is the record of that URL nearest in time after the page (a revisit
record resolves to the payload it refers to), stored under the URL the page refers to it by,
so that the page replays from the archive alone.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import quote

from archiver.models import Capture, FrameSnapshot, Resource
from archiver.store.screenshots import image_type
from archiver.store.warc import RecordIndex
from archiver.warc import WebArchiveError, dates, refs
from archiver.warc.container import WarcSource
from archiver.warc.decoding import decode_html
from archiver.warc.pages import PageRef, parse_json
from archiver.warc.records import Fetched, fetch, header

NO_RESPONSE = "the archive has no response for this page"
MAX_HOPS = 10
MAX_RESOURCES = 1500
MAX_PAGE_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 3  # page -> stylesheet -> imported stylesheet -> font
HTML_TYPES = ("text/html", "application/xhtml+xml")
SCREENSHOTS = ("urn:fullPage:", "urn:view:")
TEXTS = ("urn:textFinal:", "urn:text:")  # Browsertrix's --text to-warc / final-to-warc
KIND_BY_DEST = {"document": "document", "iframe": "document", "frame": "document",
                "style": "stylesheet", "script": "script", "image": "image", "font": "font",
                "audio": "media", "video": "media", "track": "texttrack",
                "manifest": "manifest", "empty": "fetch", "worker": "script"}


@dataclass
class Assembled:
    capture: Capture
    crawl_text: str | None = None  # the crawler's text of the page, for when extraction finds none
    ms: int | None = None  # when the page's document was recorded (what it loads comes after)
    dom_kept: bool = False  # the archive had the rendered DOM (`urn:dom:`, our own exports)


class Assembler:
    """Builds captures from the records of one archive (its WARC files open for reading)."""

    def __init__(self, index: RecordIndex, sources: Sequence[WarcSource]) -> None:
        self.index = index
        self.sources = sources
        self._streams: dict[int, BinaryIO] = {}

    def read(self, row: sqlite3.Row) -> Fetched:
        """The record of an index row, read back (revisit records: not resolved)."""
        file = int(row["file"])
        if file not in self._streams:
            self._streams[file] = self.sources[file].open()
        return fetch(self._streams[file], int(row["offset"]), self.sources[file].name)

    def resolve(self, row: sqlite3.Row) -> Fetched:
        """A response, or the response a revisit refers to (with the revisit's own status and
        headers when it has them)."""
        fetched = self.read(row)
        if fetched.type != "revisit":
            return fetched
        original = self.index.original(row)
        if original is None:
            fetched.problem = (f"failed: a revisit of {row['refers_uri'] or row['url']} whose "
                               "original record is not in this archive")
            return fetched
        payload = self.read(original)
        if not fetched.status:
            fetched.status, fetched.headers = payload.status, payload.headers
        fetched.body, fetched.size, fetched.problem = payload.body, payload.size, payload.problem
        return fetched

    # --- a page

    def page(self, page: PageRef) -> Assembled:
        captured_at = dates.captured_at(page.ts)
        document = page.document or self.index.nearest(page.url, page.ms)
        capture = Capture(url=page.url, title=page.title, resources_kept=True,
                          captured_at=captured_at or "")
        if document is None:
            capture.status, capture.error = "failed", NO_RESPONSE
            capture.captured_at = capture.captured_at or dates.iso(datetime.now(UTC))
            return Assembled(capture, page.text)
        capture.captured_at = captured_at or dates.captured_at(document["date"]) or ""
        final = self._follow_redirects(capture, document)
        self._document(capture, final)
        dom_kept = self._rendered(capture, page)
        self._failure(capture, page)
        if capture.html is not None:
            self._subresources(capture, page, final)
        capture.screenshot = self._screenshot(page, capture)
        return Assembled(capture, page.text or self._crawl_text(page), final["ms"], dom_kept)

    def _follow_redirects(self, capture: Capture, row: sqlite3.Row) -> sqlite3.Row:
        """Record each 3xx hop as a resource; returns the row of the final document."""
        for _ in range(MAX_HOPS):
            target = refs.absolute(row["url"], row["location"]) if row["location"] else None
            if not (row["status"] and 300 <= row["status"] < 400 and target):
                break
            nxt = self.index.nearest(target, row["ms"], after=True)
            if nxt is None:
                break
            capture.resources.append(self._resource(row["url"], row, "document"))
            row = nxt
        return row

    def _document(self, capture: Capture, row: sqlite3.Row) -> None:
        fetched = self.resolve(row)
        resource = self._as_resource(row["url"], row, fetched, "document")
        capture.resources.append(resource)
        capture.final_url = row["url"]
        capture.http_status = fetched.status
        capture.headers = resource.headers
        capture.content_type = resource.headers.get("content-type")
        if fetched.body is None:
            capture.status = "failed"
            capture.error = f"the page's response was not kept ({fetched.problem})"
            return
        if (_mime(resource.mime_type) or "text/html") in HTML_TYPES:
            capture.html = decode_html(fetched.body, capture.content_type)
        else:
            capture.body = fetched.body

    def _rendered(self, capture: Capture, page: PageRef) -> bool:
        """The page as it was shown, where the archive has it (our own exports write the
        rendered DOM and the frames' DOMs next to the document as served)."""
        if capture.html is None:
            return False
        dom = self._resource_body(("urn:dom:",), page)
        if dom:
            capture.html = dom.decode("utf-8", errors="replace")
        frames = parse_json(self._resource_body(("urn:frames:",), page))
        if isinstance(frames, list):
            kept = {f.position: f for f in reversed([_frame(x) for x in frames]) if f}
            capture.frames = sorted(kept.values(), key=lambda f: f.position)
        return bool(dom)

    def lookup(self, url: str, ms: int | None, budget: list[int]) -> Resource | None:
        """The archive's record of `url` nearest after `ms`, as a resource (what a page
        rendered from the archive asks for beyond what it refers to); else one of the same
        URL with another query string, served for it (and kept under its own URL: the
        archive holds no record of the URL asked for)."""
        found = self._find(url, ms, None, budget)
        if found is not None:
            return found
        row = self.index.nearest_ignoring_query(url, ms)
        if row is None:
            return None
        resource = self._resource(str(row["url"]), row, None)
        if resource.body is not None:
            if len(resource.body) > budget[0]:
                return None
            budget[0] -= len(resource.body)
        return resource

    def _resource_body(self, prefixes: tuple[str, ...], page: PageRef) -> bytes | None:
        row = self.index.resource_records(prefixes, page.url, page.ms)
        if row is None:
            return None
        try:
            return self.read(row).body
        except WebArchiveError:
            return None

    def _failure(self, capture: Capture, page: PageRef) -> None:
        reasons = [capture.error] if capture.error else []
        crawl = page.crawl_failure()
        if crawl:
            reasons.insert(0, crawl)
        if capture.http_status and capture.http_status >= 400:
            reasons.append(f"the server answered HTTP {capture.http_status}")
        if reasons:
            capture.status, capture.error = "failed", "; ".join(dict.fromkeys(reasons))

    def _subresources(self, capture: Capture, page: PageRef, final: sqlite3.Row) -> None:
        """What the page needs: what it and its frames refer to (each frame's document
        counts from depth 1 again, so that a frame's stylesheet gets its fonts too), what
        the crawler listed for it, what was recorded under its page id, and what its
        requests and its frames' requests named it as Referer for."""
        base = capture.final_url or capture.url
        queue: deque[tuple[str, int, str | None]] = deque()
        queue.extend((u, 1, None) for u in refs.html_refs(capture.html or "", base))
        queue.extend((u, 1, (v or {}).get("type")) for u, v in page.urls.items())
        if page.page_id:
            queue.extend((str(r["url"]), 1, None) for r in self.index.same_page(page.page_id))
        queue.extend(self._referred(base, final["ms"]))
        seen = {r.url for r in capture.resources}
        budget = [MAX_PAGE_BYTES]
        while queue and len(capture.resources) < MAX_RESOURCES:
            url, depth, kind = queue.popleft()
            if url in seen or not url.startswith(("http://", "https://")):
                continue
            seen.add(url)
            resource = self._find(url, final["ms"], kind, budget)
            if resource is None:
                continue
            capture.resources.append(resource)
            if is_frame_document(resource):
                queue.extend((u, 1, None) for u in _nested_refs(resource))
                queue.extend(self._referred(url, final["ms"]))
            elif depth < MAX_DEPTH:
                queue.extend((u, depth + 1, None) for u in _nested_refs(resource))

    def _referred(self, url: str, ms: int | None) -> list[tuple[str, int, str | None]]:
        return [(str(r["url"]), 1, None) for r in self.index.referred_by(url, ms)]

    def _find(self, url: str, ms: int | None, kind: str | None,
              budget: list[int]) -> Resource | None:
        row = self.index.nearest(url, ms, after=True)
        if row is None and quote(url, safe=_URL_SAFE) != url:
            row = self.index.nearest(quote(url, safe=_URL_SAFE), ms, after=True)
        if row is None:
            return None
        resource = self._resource(url, row, kind)
        if resource.body is not None:
            if len(resource.body) > budget[0]:
                resource.body, resource.skipped = None, "too large"
                resource.detail = f"the page's resources exceed {MAX_PAGE_BYTES // 2**20} MB"
            else:
                budget[0] -= len(resource.body)
        return resource

    def _resource(self, url: str, row: sqlite3.Row, kind: str | None) -> Resource:
        try:
            fetched = self.resolve(row)
        except WebArchiveError as exc:
            return Resource(url=url, kind=kind, status=row["status"], mime_type=row["mime"],
                            skipped="failed", detail=str(exc),
                            fetched_at=dates.captured_at(row["date"]))
        return self._as_resource(url, row, fetched, kind)

    def _as_resource(self, url: str, row: sqlite3.Row, fetched: Fetched,
                     kind: str | None) -> Resource:
        method, request_headers, dest = self._request(row)
        resource = Resource(
            url=url, method=method, status=fetched.status,
            kind=kind or KIND_BY_DEST.get(dest or "") or _kind_of(row["mime"]),
            mime_type=header(fetched.headers, "content-type") or row["mime"],
            headers=headers_dict(fetched.headers), request_headers=request_headers,
            body=fetched.body, size=fetched.size, fetched_at=dates.captured_at(row["date"]))
        if fetched.body is None and fetched.problem:
            skipped, _, detail = fetched.problem.partition(": ")
            resource.skipped, resource.detail = skipped, detail or None
        elif fetched.body is None and not (fetched.status and 300 <= fetched.status < 400):
            resource.skipped = "no body"
        return resource

    def _request(self, row: sqlite3.Row) -> tuple[str, dict[str, str], str | None]:
        request = self.index.request_for(row)
        if request is None:
            return "GET", {}, None
        try:
            fetched = self.read(request)
        except WebArchiveError:
            return request["method"] or "GET", {}, request["fetch_dest"]
        return request["method"] or "GET", headers_dict(fetched.headers), request["fetch_dest"]

    def _crawl_text(self, page: PageRef) -> str | None:
        body = self._resource_body(TEXTS, page)
        return body.decode("utf-8", errors="replace") if body else None

    def _screenshot(self, page: PageRef, capture: Capture) -> bytes | None:
        for url in dict.fromkeys([page.url, capture.final_url or page.url]):
            row = self.index.resource_records(SCREENSHOTS, url, page.ms)
            if row is None:
                continue
            try:
                shot = self.read(row)
            except WebArchiveError:
                continue
            if shot.body and image_type(shot.body):  # PNG, WebP or JPEG
                return shot.body
        return None


_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def is_frame_document(resource: Resource) -> bool:
    """Whether the resource is an HTML document (a frame's, or the page's) with its body."""
    return (resource.kind == "document" and resource.body is not None
            and (_mime(resource.mime_type) or "") in HTML_TYPES)


def _nested_refs(resource: Resource) -> list[str]:
    """What a stylesheet or a frame's document loads in turn."""
    if resource.body is None:
        return []
    mime = _mime(resource.mime_type) or ""
    if mime == "text/css":
        css = resource.body.decode("utf-8", errors="replace")
        return refs.css_refs(css, resource.url)
    if mime in HTML_TYPES and resource.kind == "document":
        html = decode_html(resource.body, resource.headers.get("content-type"))
        return refs.html_refs(html, resource.url)
    return []


def headers_dict(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers as the archive keeps them: lower-case names, repeated ones joined (with a
    newline for Set-Cookie, as browsers report them, else with a comma)."""
    result: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in result:
            joiner = "\n" if key == "set-cookie" else ", "
            result[key] = result[key] + joiner + value
        else:
            result[key] = value
    return result


def _frame(data: object) -> FrameSnapshot | None:
    """One frame of a `urn:frames:` record, if it is well formed."""
    if not isinstance(data, dict) or not isinstance(data.get("html"), str):
        return None
    position, parent, url = data.get("position"), data.get("parent"), data.get("url")
    if not isinstance(position, int) or not (parent is None or isinstance(parent, int)):
        return None
    return FrameSnapshot(position=position, parent=parent, html=data["html"],
                         url=url if isinstance(url, str) else None)


def _mime(content_type: str | None) -> str | None:
    mime = (content_type or "").split(";")[0].strip().lower()
    return mime or None


def _kind_of(mime: str | None) -> str:
    mime = mime or ""
    if mime in HTML_TYPES:
        return "document"
    if mime == "text/css":
        return "stylesheet"
    if "javascript" in mime or mime == "text/ecmascript":
        return "script"
    for prefix, kind in (("image/", "image"), ("font/", "font"), ("video/", "media"),
                         ("audio/", "media")):
        if mime.startswith(prefix):
            return kind
    return "other"
