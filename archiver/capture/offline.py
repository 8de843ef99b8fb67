"""A page of a web archive rendered once in Chromium against the archive alone.

A web archive holds the HTML as the server sent it; where the page's scripts shape what it
shows (accordions collapsed, tabs, menus, a single-page app's whole content, a video player
in a frame), that HTML is not what the crawler's browser showed. So an import opens each such
page in Chromium with every request answered from the archive: the capture's resources
first, then any record of the archive for that URL (`Lookup`: what scripts load, in the page
and in its frames, is found this way and kept). Anything the archive does not hold is
answered 404 (as Webrecorder's replay tools answer it, so that the page's scripts take the
path they take there) and counted: no request leaves the machine. The rendered DOM and the
frames' DOMs are then taken as a live capture takes them (`snapshot.take_snapshot`).

Nothing else reaches the network either: service workers are blocked, WebSockets are
answered by nobody (`route_web_socket`), no host name resolves (prefetching, preconnects),
and the context's proxy is a local port that refuses connections (loopback included), which
is where WebRTC's TCP would go (its UDP is off, as in guarded captures).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urldefrag

from playwright.async_api import Browser as PWBrowser
from playwright.async_api import (
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from archiver.capture.launch import (
    LAUNCH_ARGS,
    WEBRTC_THROUGH_PROXY_ONLY,
    browser_user_agent,
    chromium_for,
)
from archiver.capture.quietly import close_browser_quietly
from archiver.capture.snapshot import take_snapshot
from archiver.models import Capture, FrameSnapshot, Resource

Lookup = Callable[[str], "Resource | None"]
"""URL -> the archive's record for it (nearest in time to the page), or None."""

LOAD_TIMEOUT_MS = 10_000  # everything comes from memory: `load` is quick or never comes
QUIET_S = 0.3  # no request for this long after `load`: the page has settled
SETTLE_MAX_S = 2.5  # whatever the page keeps doing, it is snapshotted after this long
PAGE_DEADLINE_S = 30.0
NO_NAMES = "--host-resolver-rules=MAP * ~NOTFOUND"
"""No host name resolves (DNS prefetching, preconnects): requests are answered before any
lookup, by the route handler."""
PAGE_USES = 100  # pages rendered in one tab before it is closed and a fresh one opened
MAX_FOUND = 1500  # records added to one page by what it requested
NOT_ARCHIVED = b'{"error": "not_found"}'
DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length",
                             "content-security-policy", "content-security-policy-report-only",
                             "x-frame-options", "strict-transport-security"})


@dataclass
class Rendered:
    """What rendering one page gave: its DOM and frames' DOMs (None when it failed), the
    archive's records it requested beyond the capture's resources, the requests the archive
    could not answer (answered 404 here, sent nowhere), and the navigations away from the
    page that its scripts or frames asked for (refused: the snapshot is of this page)."""

    html: str | None = None
    frames: list[FrameSnapshot] = field(default_factory=list)
    found: list[Resource] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)  # away from the page: refused
    error: str | None = None


class _Answers:
    """The route handler of one page: the capture's resources, then the archive."""

    def __init__(self, capture: Capture, lookup: Lookup, rendered: Rendered) -> None:
        self.clock = clock_script(capture.captured_at)
        self.by_url: dict[str, Resource] = {}
        for resource in capture.resources:
            self.by_url.setdefault(resource.url, resource)
        self.lookup = lookup
        self.rendered = rendered
        self.last_activity = time.monotonic()
        self.pending = 0
        self.navigated = False  # the page's own document was asked for

    def find(self, url: str) -> Resource | None:
        bare = urldefrag(url)[0]
        known = self.by_url.get(url) or self.by_url.get(bare)
        if known is not None:
            return known
        if len(self.rendered.found) >= MAX_FOUND:
            return None
        found = self.lookup(bare)
        if found is None:
            return None
        kept = self.by_url.get(found.url)  # the record stood in for another URL: kept already
        if kept is None:
            self.by_url[found.url] = found
            self.rendered.found.append(found)
        self.by_url[bare] = kept or found
        return kept or found

    async def handle(self, route: Route, request: Request) -> None:
        self.pending += 1
        self.last_activity = time.monotonic()
        try:
            if request.is_navigation_request() and request.frame.parent_frame is None:
                if self.navigated:  # the page (or a frame) sends the window elsewhere:
                    self.rendered.navigations.append(request.url)  # a 204 leaves it here
                    await route.fulfill(status=204)
                    return
                self.navigated = True
            resource = self.find(request.url)
            if resource is None or (resource.body is None and not _is_redirect(resource)):
                if request.url not in self.rendered.outside:
                    self.rendered.outside.append(request.url)
                await route.fulfill(status=404, body=NOT_ARCHIVED,
                                    headers={"content-type": "application/json"})
                return
            body = resource.body or b""
            if request.resource_type == "document" and self.clock:
                body = with_clock(body, resource.mime_type, self.clock)
            await route.fulfill(status=resource.status or 200, headers=_headers(resource),
                                body=body)
        except PlaywrightError:
            pass  # the page went away meanwhile
        finally:
            self.pending -= 1
            self.last_activity = time.monotonic()


CLOCK_JS = """(() => {
  const RealDate = Date, offset = %d - RealDate.now();
  function ArchivedDate(...args) {
    if (!new.target) return new RealDate(RealDate.now() + offset).toString();
    return args.length ? new RealDate(...args) : new RealDate(RealDate.now() + offset);
  }
  ArchivedDate.prototype = RealDate.prototype;
  ArchivedDate.now = () => RealDate.now() + offset;
  ArchivedDate.parse = RealDate.parse;
  ArchivedDate.UTC = RealDate.UTC;
  globalThis.Date = ArchivedDate;
  if (document.currentScript) document.currentScript.remove();
})();"""
"""The page's clock set to when the crawl loaded it (and running from there), as Webrecorder's
replay sets it: a page that shows "today" or this week's events shows the crawl's day. The
script removes itself, so the rendered DOM does not hold it."""
_DOCTYPE = re.compile(rb"^(\xef\xbb\xbf)?\s*(<!--.*?-->\s*)*(<!doctype[^>]*>)?",
                      re.IGNORECASE | re.DOTALL)


def clock_script(captured_at: str | None) -> bytes | None:
    try:
        when = datetime.fromisoformat((captured_at or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    millis = int(when.timestamp() * 1000)
    return f"<script>{CLOCK_JS % millis}</script>".encode()


def with_clock(body: bytes, mime: str | None, clock: bytes) -> bytes:
    """An HTML document with the clock script first (after its doctype, so that the page
    keeps its rendering mode); other documents, and HTML in UTF-16, as they are."""
    if (mime or "text/html").split(";")[0].strip().lower() not in ("text/html", ""):
        return body
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body
    found = _DOCTYPE.match(body)
    at = found.end() if found else 0
    return body[:at] + clock + body[at:]


def _is_redirect(resource: Resource) -> bool:
    return bool(resource.status and 300 <= resource.status < 400
                and resource.headers.get("location"))


def _headers(resource: Resource) -> dict[str, str]:
    headers = {k: v for k, v in resource.headers.items()
               if not k.startswith(":") and k.lower() not in DROPPED_HEADERS}
    if resource.mime_type and "content-type" not in headers:
        headers["content-type"] = resource.mime_type
    return headers


class OfflineRenderer:
    """One Chromium, one context, many pages rendered against their archive.
    Use as ``async with OfflineRenderer(...) as renderer:``."""

    def __init__(self, browser_path: str | None = None, width: int = 1280, height: int = 800,
                 user_agent: str | None = None) -> None:
        self.browser_path = browser_path
        self.viewport = {"width": width, "height": height}
        self.user_agent = user_agent
        self._pw: Playwright | None = None
        self._browser: PWBrowser | None = None
        self._context: BrowserContext | None = None
        self._dead_port: socket.socket | None = None
        self._lock = asyncio.Lock()
        # pages are reused (a navigation in a page costs less than a new page): each has a
        # route handler of its own, answering for the capture it renders now
        self._idle: list[Page] = []
        self._answers: dict[Page, _Answers | None] = {}
        self._uses: dict[Page, int] = {}

    async def __aenter__(self) -> OfflineRenderer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _ready(self) -> BrowserContext:
        """The context to open pages in (Chromium is started on the first page)."""
        async with self._lock:
            if self._context is not None and self._browser and self._browser.is_connected():
                return self._context
            await self._stop_browser()
            if self._pw is None:
                self._pw = await async_playwright().start()
            self._browser = await self._pw.chromium.launch(
                executable_path=chromium_for(self._pw, self.browser_path),
                args=[*LAUNCH_ARGS, *WEBRTC_THROUGH_PROXY_ONLY, NO_NAMES], timeout=60_000)
            version = self._browser.version
            self._context = await self._browser.new_context(
                viewport=self.viewport,  # type: ignore[arg-type]
                user_agent=self.user_agent or browser_user_agent(version),
                service_workers="block", accept_downloads=False,
                proxy={"server": f"socks5://127.0.0.1:{self._refusing_port()}",
                       "bypass": "<-loopback>"})
            return self._context

    def _refusing_port(self) -> int:
        """A local port bound and never listened on: connections to it are refused."""
        if self._dead_port is None:
            self._dead_port = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._dead_port.bind(("127.0.0.1", 0))
        port: int = self._dead_port.getsockname()[1]
        return port

    async def _stop_browser(self) -> None:
        if self._browser is not None:
            await close_browser_quietly(self._browser)
        self._browser, self._context = None, None
        self._idle.clear()
        self._answers.clear()
        self._uses.clear()

    async def _page(self) -> Page:
        context = await self._ready()
        while self._idle:
            page = self._idle.pop()
            if not page.is_closed() and page.context is context:
                return page
        page = await context.new_page()
        self._answers[page] = None
        self._uses[page] = 0

        async def handle(route: Route, request: Request) -> None:
            answers = self._answers.get(page)
            if answers is None:  # between two renders: nothing to answer with
                with contextlib.suppress(PlaywrightError):
                    await route.fulfill(status=404, body=NOT_ARCHIVED)
                return
            await answers.handle(route, request)

        await page.route("**/*", handle)
        with contextlib.suppress(AttributeError):  # Playwright before 1.48
            await page.route_web_socket("**/*", lambda ws: None)
        return page

    async def _done_with(self, page: Page, reusable: bool) -> None:
        self._answers[page] = None
        self._uses[page] = self._uses.get(page, 0) + 1
        if reusable and self._uses[page] < PAGE_USES and not page.is_closed():
            self._idle.append(page)
            return
        self._answers.pop(page, None)
        self._uses.pop(page, None)
        with contextlib.suppress(PlaywrightError):
            await page.close()

    async def close(self) -> None:
        await self._stop_browser()
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None
        if self._dead_port is not None:
            self._dead_port.close()
            self._dead_port = None

    async def render(self, capture: Capture, lookup: Lookup) -> Rendered:
        """The page of `capture` as its scripts render it from the archive."""
        rendered = Rendered()
        try:
            page = await self._page()
        except PlaywrightError as exc:
            rendered.error = f"the page could not be rendered: {exc}"[:500]
            return rendered
        answers = _Answers(capture, lookup, rendered)
        try:
            await asyncio.wait_for(self._load(page, capture, answers), PAGE_DEADLINE_S)
            rendered.html, rendered.frames = await asyncio.wait_for(take_snapshot(page), 15)
        except (PlaywrightError, TimeoutError) as exc:
            rendered.error = f"the page could not be rendered: {exc}"[:500]
        finally:
            await self._done_with(page, reusable=rendered.error is None)
        return rendered

    async def _load(self, page: Page, capture: Capture, answers: _Answers) -> None:
        url = capture.final_url or capture.url
        if urldefrag(page.url)[0] == urldefrag(url)[0]:
            # the same address again (another capture of it): a real navigation, not a jump
            # to a fragment of the document already there
            await page.goto("about:blank")
        self._answers[page] = answers
        await page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
        # the document's own `load`, polled: Playwright's waits follow the navigations the
        # page starts later, which are refused here (and so never load)
        try:
            await page.wait_for_function("document.readyState === 'complete'",
                                         polling=50, timeout=LOAD_TIMEOUT_MS)
        except PlaywrightError as exc:
            if "Timeout" not in str(exc):
                raise
        await _settle(answers)


async def _settle(answers: _Answers) -> None:
    """Until no request has been made or answered for QUIET_S (at most SETTLE_MAX_S)."""
    started = time.monotonic()
    while time.monotonic() - started < SETTLE_MAX_S:
        quiet = time.monotonic() - answers.last_activity
        if answers.pending == 0 and quiet >= QUIET_S:
            return
        await asyncio.sleep(0.05)
