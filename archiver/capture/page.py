"""One page: load it with bounded waits, answer its consent prompt, take what it shows.

Nothing here waits without a bound: the main document has the navigation timeout; every
subresource goes through a route handler with its own deadline, so a host that accepts the
connection and never answers cannot hold the page (`load` would otherwise never fire); waiting
for `load` after the DOM is ready is bounded, then `window.stop()`. `Browser.capture` puts an
overall deadline around all of it.

What is waited for runs alongside what has to be done anyway: the resources' bodies are read
while the page settles, and on a page where no prompt is expected (see consent/handler.py) the
screenshot and the DOM are taken while the consent handler makes sure; they are taken again if
it then answered a prompt after all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from playwright.async_api import BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from archiver.capture import consent
from archiver.capture.consent.handler import PageSignals
from archiver.capture.consent.platforms import cmp_request
from archiver.capture.guard import block_if_private, guard_private_addresses, watch_webrtc
from archiver.capture.lazy import load_lazy_content
from archiver.capture.quietly import (
    abort_quietly,
    continue_quietly,
    evaluate_quietly,
    friendly_error,
)
from archiver.capture.record import PageLog
from archiver.capture.screenshot import take_screenshot
from archiver.capture.snapshot import take_snapshot
from archiver.models import Capture
from archiver.settings import CaptureSettings

HTML_TYPES = ("text/html", "application/xhtml+xml")


PASSIVE_TYPES = ("image", "media", "font")  # can't block the parser: not proxied


# Images and media still loading, read off the page itself (listening to every request's
# events from Python would cost each capture a message per request).
UNFINISHED_JS = """() => [...new Set([
  ...[...document.images]
    .filter(i => !i.complete)
    // a lazy image far below the viewport was never asked for: it is not late
    .filter(i => i.loading !== 'lazy' || i.getBoundingClientRect().top < 3 * innerHeight)
    .map(i => i.currentSrc || i.src),
  ...[...document.querySelectorAll('video, audio')]
    .filter(m => m.networkState === HTMLMediaElement.NETWORK_LOADING && m.readyState < 2)
    .map(m => m.currentSrc || m.src),
].filter(Boolean))].sort()"""


# Whether anything on the page can run: scripts (of a type the browser runs), event handler
# attributes, frames, plugins, a refresh. Without any, nothing changes the page after `load`:
# no prompt comes later, no scroll-driven loader waits for a scroll.
SCRIPTED_JS = """() => {
  const js = /^(|(text|application)\\/(x-)?(java|ecma)script|text\\/(jscript|livescript)|module)$/i;
  const scripts = [...document.querySelectorAll("script")]
    .filter((s) => js.test((s.getAttribute("type") || "").trim())).length;
  const handlers = document.evaluate("count(//@*[starts-with(name(), 'on')])", document, null,
                                     XPathResult.NUMBER_TYPE, null).numberValue;
  const other = document.querySelector(
    "iframe, frame, object, embed, meta[http-equiv='refresh' i]");
  return scripts > 0 || handlers > 0 || window.frames.length > 0 || other !== null;
}"""


def _is_html(content_type: str | None) -> bool:
    mime = (content_type or "text/html").split(";")[0].strip().lower()
    return mime in HTML_TYPES


Idle = Callable[[], AbstractAsyncContextManager[None]]
"""Entered while a page only waits (see `Browser.capture`)."""


class PageCapture:
    """The capture of one URL in a fresh browser context."""

    def __init__(self, settings: CaptureSettings, idle: Idle | None = None) -> None:
        self.settings = settings
        self.log = PageLog()
        self.idle: Idle = idle or nullcontext
        self.page: Page | None = None
        self.document_answered = False  # the page asked for has its response (redirects done)
        self.own_redirects = 0  # navigations the page itself made after it answered
        self.document_url: str | None = None  # ... at this URL
        self.navigations: list[str] = []  # where the page then tried to take the window

    async def _close_popup(self, popup: Page) -> None:
        """A window the page opened (`window.open()`, a link with a target): not what was
        asked for, and a way around the guard (it is not the page's CDP session): closed."""
        if popup is not self.page:
            try:
                await popup.close()
            except PlaywrightError:
                pass  # closed already

    def _is_popup(self, request: Any) -> bool:
        """Whether a request comes from another window than the page's. A popup's first
        navigation is issued before its frame exists (Playwright then raises on `.frame`)."""
        try:
            frame = request.frame
        except PlaywrightError:
            return True
        return self.page is not None and frame.page is not self.page

    async def run(self, context: BrowserContext, url: str, result: Capture) -> None:
        """Load `url` in a new page of `context` and fill in `result`."""
        log = self.log
        await context.route("**/*", lambda route: self._handle_route(route, log))
        if self.settings.block_private:
            await watch_webrtc(context, log)
        page = await context.new_page()
        self.page = page
        context.on("page", self._close_popup)
        page.on("framenavigated", self._left_without_request)
        if self.settings.block_private:
            await guard_private_addresses(context, page, log)
        handler = await consent.prepare(page, enabled=self.settings.consent_handling,
                                       folder=self.settings.autoconsent_dir)
        response = await self._navigate(page, url, log, result)
        if response is None:
            return
        result.final_url = page.url
        result.http_status = response.status
        result.headers = await response.all_headers()
        result.content_type = result.headers.get("content-type")
        html = _is_html(result.content_type)
        partial = await self._wait_for_load(page, log, settle=not html)
        bodies = (asyncio.ensure_future(log.read_bodies(self.settings.max_resource_bytes))
                  if self.settings.keep_resources else None)
        try:
            if html:
                await self._capture_html(page, handler, result, log)
            else:
                result.body = await self._original_body(context, result.final_url, log)
                await self._take(page, result, log, html=False)
            if bodies is not None:
                await bodies
        finally:
            if bodies is not None and not bodies.done():
                bodies.cancel()
        await self._keep_resources(result, log)
        self._set_status(result, log, partial)

    async def _capture_html(self, page: Page, handler: Any, result: Capture,
                            log: PageLog) -> None:
        """Settle the page (its consent prompt answered and, at the same time, its lazy
        content loaded), then take it. Where no prompt is expected, the handler releases the
        page early: it is taken while the handler makes sure, and again if it then answered a
        prompt after all. Without consent handling, late scripts get `settle_time`."""
        scripted = await evaluate_quietly(page, SCRIPTED_JS) is not False or log.scripts > 0
        signals = PageSignals(scripted=scripted, cmp_requests=log.cmp_requests)
        settle = asyncio.ensure_future(handler.settle(self.settings.consent_timeout, signals))
        try:
            waits: list[Any] = [self._released(handler, settle)]
            if not self.settings.consent_handling and self.settings.settle_time and scripted:
                waits.append(asyncio.sleep(self.settings.settle_time))
            if self.settings.lazy_budget > 0:
                waits.append(load_lazy_content(page, self.settings.lazy_budget, scroll=scripted))
            async with self.idle():
                await asyncio.gather(*waits)
            early = not settle.done()
            if early:
                redirects = self.own_redirects
                await self._take(page, result, log)  # while the handler makes sure
                async with self.idle():
                    await settle
                early = self.own_redirects == redirects  # the page moved on meanwhile
            result.consent = settle.result()
            if not early or handler.touched:
                if self.own_redirects:
                    await self._wait_for_load(page, log, settle=False)
                await self._take(page, result, log)
        finally:
            if not settle.done():
                settle.cancel()

    @staticmethod
    async def _released(handler: Any, settle: asyncio.Future[Any]) -> None:
        """Until the handler settled or released the page."""
        released = asyncio.ensure_future(handler.released.wait())
        try:
            await asyncio.wait([released, settle], return_when=asyncio.FIRST_COMPLETED)
        finally:
            released.cancel()

    async def _take(self, page: Page, result: Capture, log: PageLog, html: bool = True) -> None:
        """The title, the screenshot and (for HTML) the DOM snapshot, as the page is now."""
        if html and page.url.startswith(("http:", "https:")):
            result.final_url = page.url  # where the page's own redirect took it
        result.title = await page.title()
        if self.settings.screenshot:
            log.screenshot_problem = None
            result.screenshot = await take_screenshot(page, self.settings, log)
        if html:
            result.html, result.frames = await take_snapshot(page)

    async def _keep_resources(self, result: Capture, log: PageLog) -> None:
        result.resources_kept = self.settings.keep_resources
        if self.settings.keep_resources:
            result.resources = await log.resources(self.settings.max_resource_bytes)

    async def _navigate(self, page: Page, url: str, log: PageLog, result: Capture) -> Any:
        try:
            response = await page.goto(
                url, wait_until="domcontentloaded", timeout=self.settings.nav_timeout * 1000
            )
        except PlaywrightError as exc:
            last_hop = next(reversed(log.document_errors.values()), None)  # after redirects
            reason = (next(iter(log.blocked), None) or log.document_errors.get(url) or last_hop
                      or next(iter(log.connections_blocked), None) or str(exc))
            result.status = "failed"
            if "Timeout" in str(exc) and url not in log.document_errors:
                reason = f"the page did not answer within {self.settings.nav_timeout:g} s"
            result.error = friendly_error(reason)
            result.final_url = page.url if page.url != "about:blank" else None
            return None
        if response is None:
            result.status = "failed"
            result.error = "the browser got no response for this URL"
        return response

    async def _handle_route(self, route: Route, log: PageLog) -> None:
        """Fetch requests ourselves, with a deadline, and remember every response (its body is
        read when the page is done: `PageLog.resources`).

        Without `keep_resources`, images, media and fonts go straight to the network instead
        (proxying their bytes through the driver costs throughput): they cannot block the
        parser, and the bounded wait for `load` plus `window.stop()` bounds them; those still
        pending then are reported."""
        request = route.request
        if self._is_popup(request):
            await abort_quietly(route, "blockedbyclient")
            return
        is_main = request.is_navigation_request() and request.frame.parent_frame is None
        if is_main and self.document_answered and request.redirected_from is None:
            if not await self._own_navigation(route):
                return
        timeout = self.settings.nav_timeout if is_main else self.settings.request_timeout
        if request.resource_type == "script":
            log.scripts += 1
        if not is_main and cmp_request(request.url, request.resource_type):
            log.cmp_requests.append(request.url)
        if self.settings.block_private and await block_if_private(route, log, is_main):
            log.not_answered(request, "blocked", log.blocked[-1] if log.blocked else "")
            return
        passive = request.resource_type in PASSIVE_TYPES and not is_main
        if passive and not self.settings.keep_resources:
            await continue_quietly(route)
            return
        try:
            response = await route.fetch(
                timeout=timeout * 1000,
                max_redirects=0 if is_main or self.settings.block_private else 20,
            )
        except PlaywrightError as exc:
            timed_out = "Timeout" in str(exc)
            if is_main:
                log.document_errors[request.url] = str(exc)
            elif timed_out:
                log.timed_out.append(request.url)
            else:
                log.failed.append(request.url)
            log.not_answered(request, "timed out" if timed_out else "failed",
                             friendly_error(str(exc)))
            await abort_quietly(route, "timedout" if timed_out else "failed")
            return
        if is_main:
            log.documents[request.url] = response
            self.document_answered = not 300 <= response.status < 400
            self.document_url = request.url
        log.answered(request, response)
        try:
            await route.fulfill(response=response)
        except PlaywrightError:
            pass  # the page went away (closed, navigated) while we fetched

    async def _own_navigation(self, route: Route) -> bool:
        """Once the page asked for has answered, a navigation of the top window is followed
        only when the page itself asked for it (its script or refresh: a language or consent
        redirect): the request's Referer is then the page's own URL. One that came from one of
        its frames (`top.location = …`: the Referer is the frame's document, or its origin)
        is aborted (as ERR_ABORTED, which leaves the page as it is, no error page) and
        recorded; otherwise another page would be archived under the URL asked for."""
        referer = route.request.headers.get("referer")
        if referer is None or _same_document(referer, self.document_url):
            self.document_answered = False  # a new document of the page's own choosing
            self.own_redirects += 1
            return True
        self.navigations.append(f"{route.request.url} (asked for by a frame, not followed)")
        await abort_quietly(route, "aborted")
        return False

    def _left_without_request(self, frame: Any) -> None:
        """A navigation of the top window that no route sees (about:blank, data:)."""
        if self.page is not None and frame is self.page.main_frame and \
                self.document_answered and not frame.url.startswith(("http:", "https:")):
            self.navigations.append(f"{frame.url} (followed: it loads nothing)")

    async def _wait_for_load(self, page: Page, log: PageLog, settle: bool = True) -> str | None:
        """Wait, bounded, for `load`; returns why the page is partial, or None. With `settle`,
        give late scripts `settle_time` more (the consent settle, when it follows, does that)."""
        try:
            await page.wait_for_load_state("load", timeout=self.settings.load_timeout * 1000)
        except PlaywrightError:
            found = await evaluate_quietly(page, UNFINISHED_JS)  # the page could fake it
            found = found if isinstance(found, list) else []
            log.unfinished = [url for url in found if isinstance(url, str)]
            await evaluate_quietly(page, "window.stop()")
            return f"the page did not finish loading within {self.settings.load_timeout:g} s"
        if settle and self.settings.settle_time:
            await asyncio.sleep(self.settings.settle_time)
        return None

    async def _original_body(self, context: BrowserContext, final_url: str, log: PageLog) -> bytes:
        """The response body as served (for PDFs the page only holds the viewer)."""
        if final_url in log.documents:
            return await log.documents[final_url].body()
        response = await context.request.get(
            final_url, timeout=self.settings.nav_timeout * 1000
        )
        return await response.body()

    def _set_status(self, result: Capture, log: PageLog, partial: str | None) -> None:
        status = result.http_status or 0
        if status >= 400:
            result.status = "failed"
            result.error = f"the server answered HTTP {status}"
            return
        reasons = [partial] if partial else []
        if self.navigations:
            reasons.append("the window was sent to another page after this one answered (by a "
                           "frame, a script, a refresh or a form): "
                           + "; ".join(self.navigations[:3]))
        if log.blocked:
            reasons.append(f"{len(log.blocked)} request(s) not made: " + "; ".join(log.blocked[:3]))
        if log.connections_blocked:
            reasons.append(f"{len(log.connections_blocked)} connection(s) not made (WebSocket, "
                           "WebRTC, popups ...): " + "; ".join(log.connections_blocked[:3]))
        if log.timed_out:
            reasons.append(
                f"{len(log.timed_out)} resource(s) did not answer within "
                f"{self.settings.request_timeout:g} s: " + ", ".join(log.timed_out[:5])
            )
        if log.unfinished:
            reasons.append(f"{len(log.unfinished)} image(s)/media did not answer before the "
                           "page was stopped: " + ", ".join(log.unfinished[:5]))
        if log.screenshot_problem:
            reasons.append(log.screenshot_problem)
        if reasons:
            result.status = "partial"
            result.error = "; ".join(reasons)


def _same_document(a: str, b: str | None) -> bool:
    """Whether two URLs name the same document (fragments aside)."""
    return b is not None and a.split("#")[0] == b.split("#")[0]
