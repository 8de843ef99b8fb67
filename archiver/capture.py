"""Capture pages in Chromium. The only module that imports Playwright.

One `Browser` owns the Playwright driver and one Chromium process; every capture gets a fresh
browser context (no cookies shared between captures). Nothing here waits without a bound:

- the main document has the navigation timeout;
- every subresource goes through a route handler with its own deadline, so a host that accepts
  the connection and never answers cannot hold the page (``load`` would otherwise never fire);
- waiting for ``load`` after the DOM is ready is bounded, then ``window.stop()``;
- the whole capture has an overall deadline.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import math
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import (
    APIResponse,
    BrowserContext,
    Page,
    Playwright,
    Route,
    async_playwright,
)
from playwright.async_api import Browser as PWBrowser
from playwright.async_api import Error as PlaywrightError

from archiver import consent
from archiver.errors import BrowserNotFound
from archiver.models import Capture, ConsentOutcome

SYSTEM_BROWSERS = (
    "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
)
# Full Chromium builds (Debian's `chromium`, Chrome) preload the omnibox popup's WebUI in a
# renderer of its own for every window, that is for every capture's context, even headless:
# about 0.5 s of CPU a page, as much as the page itself, for a popup no one sees (Playwright's
# headless shell has no such UI). Chromium keeps only the last --disable-features switch, so
# Playwright's own list (1.65: chromiumSwitches.ts) is repeated here;
# tests/test_engine.py checks that the running browser still has all of Playwright's.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)
BROWSER_UI_FEATURES = (
    "PreloadTopChromeWebUI", "WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup",
)
BASE_ARGS = ["--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--hide-scrollbars"]


def merged_args(args: list[str], disabled: tuple[str, ...]) -> list[str]:
    """`args` with every --disable-features in them and `disabled` folded into one, last."""
    features = list(disabled)
    rest = []
    for arg in args:
        if arg.startswith("--disable-features="):
            features += [f for f in arg.split("=", 1)[1].split(",") if f and f not in features]
        else:
            rest.append(arg)
    return [*rest, "--disable-features=" + ",".join(features)]


LAUNCH_ARGS = merged_args(BASE_ARGS, PLAYWRIGHT_DISABLED_FEATURES + BROWSER_UI_FEATURES)
HTML_TYPES = ("text/html", "application/xhtml+xml")
PASSIVE_TYPES = ("image", "media", "font")  # can't block the parser: not proxied
INSTALL_HINT = (
    "Install one with `archiver setup` (runs `playwright install chromium`), or on Debian/Ubuntu "
    "`sudo apt-get install chromium`, or point ARCHIVER_BROWSER (or --browser) at a Chromium or "
    "Chrome executable."
)


@dataclass
class CaptureSettings:
    """How pages are captured. Times are in seconds."""

    browser_path: str | None = None
    viewport_width: int = 1280
    viewport_height: int = 800
    user_agent: str | None = None  # default: the browser's own UA without "Headless"
    nav_timeout: float = 30.0  # the main document must answer within this
    request_timeout: float = 10.0  # each subresource must answer within this
    load_timeout: float = 10.0  # after the DOM is ready, wait this long for `load`
    settle_time: float = 0.3  # let late scripts run after `load`
    page_deadline: float = 90.0  # the whole capture, whatever happens
    consent_handling: bool = True
    consent_timeout: float = 6.0
    screenshot: bool = True
    max_screenshot_height: int = 16000  # taller pages are clipped (the PNG would be enormous)
    # Chromium's fast PNG encoder: lossless like the default one, about 40 % less time for a
    # full-page screenshot and about 30 % more bytes (measured: `python -m tests.bench
    # screenshots`). False: the default encoder, smaller files.
    fast_screenshots: bool = True
    extra_args: list[str] = field(default_factory=list)
    # Captures asked for over the network: never reach loopback, private, link-local, CGNAT or
    # metadata addresses (first URL, redirect hops, subresources). See `blocked_reason`.
    block_private: bool = False
    restart_every: int = 500  # start a fresh Chromium after this many captures (0: never)


def find_browser(explicit: str | None, playwright_path: str | None) -> str:
    """Which Chromium to run: the setting, else Playwright's own, else one on PATH."""
    if explicit:
        path = shutil.which(explicit) or explicit
        if not Path(path).is_file():
            raise BrowserNotFound(f"The browser {explicit!r} (from --browser / ARCHIVER_BROWSER) "
                                  f"does not exist. {INSTALL_HINT}")
        return path
    if playwright_path and Path(playwright_path).is_file():
        return playwright_path
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFound(f"No Chromium or Chrome was found. {INSTALL_HINT}")


def chromium_for(pw: Any, explicit: str | None = None) -> str:
    """`find_browser` with the Chromium of this Playwright (sync or async), where it has one."""
    try:
        own: str | None = pw.chromium.executable_path
    except PlaywrightError:
        own = None
    return find_browser(explicit, own)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def friendly_error(message: str) -> str:
    """Turn a Playwright / network error into a sentence a person can act on."""
    first = message.strip().splitlines()[0] if message.strip() else message
    table = [
        ("ERR_NAME_NOT_RESOLVED", "DNS lookup failed: the host name does not exist"),
        ("ENOTFOUND", "DNS lookup failed: the host name does not exist"),
        ("EAI_AGAIN", "DNS lookup failed (temporary failure in name resolution)"),
        ("ERR_CONNECTION_REFUSED", "connection refused: nothing is listening at that address"),
        ("ECONNREFUSED", "connection refused: nothing is listening at that address"),
        ("ERR_CONNECTION_RESET", "the connection was reset by the server"),
        ("ECONNRESET", "the connection was reset by the server"),
        ("ERR_CERT", "the site's TLS certificate is not valid"),
        ("ERR_SSL", "the TLS handshake failed"),
        ("ERR_TOO_MANY_REDIRECTS", "too many redirects"),
        ("ERR_ADDRESS_UNREACHABLE", "the address is unreachable"),
        ("ERR_INVALID_URL", "the URL is not valid"),
        ("Target crashed", "the page crashed the browser's renderer"),
        ("Page crashed", "the page crashed the browser's renderer (out of memory, or killed)"),
        ("crashed", "the page crashed the browser"),
        ("has been closed", "the browser closed the page (it crashed or was killed)"),
    ]
    for needle, text in table:
        if needle in message:
            return f"{text} ({first})"
    return first


class _PageLog:
    """What the route handler saw while one page loaded."""

    def __init__(self) -> None:
        self.documents: dict[str, APIResponse] = {}  # main documents, body read when needed
        self.document_errors: dict[str, str] = {}
        self.timed_out: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []  # reasons, with block_private
        self.unfinished: list[str] = []  # images and media still loading when it was stopped
        self.screenshot_problem: str | None = None


class Browser:
    """One Chromium, many captures. Use as ``async with Browser(settings) as b:``."""

    def __init__(self, settings: CaptureSettings | None = None) -> None:
        self.settings = settings or CaptureSettings()
        self._pw: Playwright | None = None
        self._browser: PWBrowser | None = None
        self.executable: str | None = None
        self.version: str | None = None
        self.launches = 0  # how many Chromium processes this Browser has started
        self._since_launch = 0
        self._in_use: dict[PWBrowser, int] = {}
        self._retired: list[PWBrowser] = []
        self._relaunch_lock = asyncio.Lock()
        self._crashes_in_a_row = 0

    async def __aenter__(self) -> Browser:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._pw = await async_playwright().start()
        try:
            self.executable = chromium_for(self._pw, self._setting_browser())
            self._browser = await self._launch()
        except BaseException:
            await self._pw.stop()
            raise
        self.version = self._browser.version

    async def _launch(self) -> PWBrowser:
        assert self._pw is not None
        browser = await self._pw.chromium.launch(
            executable_path=self.executable,
            args=launch_args(self.settings),
            timeout=60_000,
        )
        self.launches += 1
        self._since_launch = 0
        return browser

    async def _current_browser(self) -> PWBrowser:
        """The Chromium to open the next page in. A new one is started after
        `restart_every` captures (memory creeps up in long runs) and when the old one
        crashed (after a backoff that grows with crashes in a row). Pages still open in the
        old one finish there; it is closed when the last of them is done."""
        async with self._relaunch_lock:
            assert self._browser is not None, "Browser.start() was not called"
            crashed = not self._browser.is_connected()
            worn = 0 < self.settings.restart_every <= self._since_launch
            if crashed or worn:
                if crashed:
                    self._crashes_in_a_row += 1
                    await asyncio.sleep(min(30.0, 0.5 * 2 ** (self._crashes_in_a_row - 1)))
                old, self._browser = self._browser, await self._launch()
                self._retire(old)
            self._since_launch += 1
            return self._browser

    def _retire(self, browser: PWBrowser) -> None:
        if self._in_use.get(browser, 0) == 0:
            asyncio.ensure_future(_close_browser_quietly(browser))
        else:
            self._retired.append(browser)

    def _release(self, browser: PWBrowser) -> None:
        self._in_use[browser] -= 1
        if self._in_use[browser] == 0:
            del self._in_use[browser]
            if browser in self._retired:
                self._retired.remove(browser)
                asyncio.ensure_future(_close_browser_quietly(browser))

    def _setting_browser(self) -> str | None:
        return self.settings.browser_path or os.environ.get("ARCHIVER_BROWSER") or None

    async def close(self) -> None:
        for browser in [*self._retired, *self._in_use]:
            await _close_browser_quietly(browser)
        self._retired.clear()
        self._in_use.clear()
        if self._browser is not None:
            await _close_browser_quietly(self._browser)
            self._browser = None
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None

    @property
    def user_agent(self) -> str:
        if self.settings.user_agent:
            return self.settings.user_agent
        return (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{self.version} Safari/537.36"
        )

    async def capture(self, url: str) -> Capture:
        """Capture one URL. Never raises for a bad page: failures come back as status "failed"."""
        started = time.monotonic()
        result = Capture(url=url, captured_at=now_iso(), browser_version=self.version)
        browser = await self._current_browser()
        self._in_use[browser] = self._in_use.get(browser, 0) + 1
        try:
            context = await self._new_context(browser)
        except PlaywrightError as exc:
            self._release(browser)
            result.status, result.error = "failed", friendly_error(str(exc))
            return result
        try:
            await asyncio.wait_for(
                self._capture_into(context, url, result), timeout=self.settings.page_deadline
            )
        except TimeoutError:
            result.status = "failed"
            result.error = (
                f"the page did not finish within the {self.settings.page_deadline:g} s page "
                "deadline (raise it with --page-deadline)"
            )
        except PlaywrightError as exc:
            result.status = "failed"
            result.error = friendly_error(str(exc))
        except Exception as exc:  # noqa: BLE001 - one odd page must not end a run of thousands
            result.status = "failed"
            result.error = f"unexpected error while capturing: {type(exc).__name__}: {exc}"
        finally:
            result.duration_ms = int((time.monotonic() - started) * 1000)
            await _close_quietly(context)
            self._release(browser)
        if browser.is_connected():
            self._crashes_in_a_row = 0
        return result

    async def _new_context(self, browser: PWBrowser) -> BrowserContext:
        return await browser.new_context(
            viewport={"width": self.settings.viewport_width,
                      "height": self.settings.viewport_height},
            user_agent=self.user_agent,
            service_workers="block",  # so that every request passes the route handler
            accept_downloads=False,
        )

    async def _capture_into(self, context: BrowserContext, url: str, result: Capture) -> None:
        log = _PageLog()
        await context.route("**/*", lambda route: self._handle_route(route, log))
        page = await context.new_page()
        if self.settings.block_private:
            await _guard_private_addresses(context, page, log)
        handler = await consent.prepare(page, enabled=self.settings.consent_handling)
        response = await self._navigate(page, url, log, result)
        if response is None:
            return
        result.final_url = page.url
        result.http_status = response.status
        result.headers = await response.all_headers()
        result.content_type = result.headers.get("content-type")
        consent_follows = _is_html(result.content_type) and self.settings.consent_handling
        partial = await self._wait_for_load(page, log, settle=not consent_follows)
        if _is_html(result.content_type):
            result.consent = await self._settle_consent(handler)
        else:
            result.body = await self._original_body(context, result.final_url, log)
        result.title = await page.title()
        if self.settings.screenshot:
            result.screenshot = await self._screenshot(page, log)
        if _is_html(result.content_type):
            result.html = await _utf8_snapshot(page)
        self._set_status(result, log, partial)

    async def _navigate(self, page: Page, url: str, log: _PageLog, result: Capture) -> Any:
        try:
            response = await page.goto(
                url, wait_until="domcontentloaded", timeout=self.settings.nav_timeout * 1000
            )
        except PlaywrightError as exc:
            reason = next(iter(log.blocked), None) or log.document_errors.get(url) or str(exc)
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

    async def _handle_route(self, route: Route, log: _PageLog) -> None:
        """Fetch requests ourselves, with a deadline, and remember main documents.

        Images, media and fonts go straight to the network instead (proxying their bytes
        through the driver cost about 13 % of throughput): they cannot block the parser, and
        the bounded wait for `load` plus `window.stop()` bounds them; those still pending
        then are reported."""
        request = route.request
        is_main = request.is_navigation_request() and request.frame.parent_frame is None
        timeout = self.settings.nav_timeout if is_main else self.settings.request_timeout
        if self.settings.block_private and await _block_if_private(route, log, is_main):
            return
        if request.resource_type in PASSIVE_TYPES and not is_main:
            await _continue_quietly(route)
            return
        try:
            response = await route.fetch(
                timeout=timeout * 1000,
                max_redirects=0 if is_main or self.settings.block_private else 20,
            )
        except PlaywrightError as exc:
            if is_main:
                log.document_errors[request.url] = str(exc)
            elif "Timeout" in str(exc):
                log.timed_out.append(request.url)
            else:
                log.failed.append(request.url)
            await _abort_quietly(route, "timedout" if "Timeout" in str(exc) else "failed")
            return
        if is_main:
            log.documents[request.url] = response
        try:
            await route.fulfill(response=response)
        except PlaywrightError:
            pass  # the page went away (closed, navigated) while we fetched

    async def _wait_for_load(self, page: Page, log: _PageLog, settle: bool = True) -> str | None:
        """Wait, bounded, for `load`; returns why the page is partial, or None. With `settle`,
        give late scripts `settle_time` more (the consent settle, when it follows, does that)."""
        try:
            await page.wait_for_load_state("load", timeout=self.settings.load_timeout * 1000)
        except PlaywrightError:
            found = await _evaluate_quietly(page, UNFINISHED_JS)  # the page could fake it
            found = found if isinstance(found, list) else []
            log.unfinished = [url for url in found if isinstance(url, str)]
            await _evaluate_quietly(page, "window.stop()")
            return f"the page did not finish loading within {self.settings.load_timeout:g} s"
        if settle and self.settings.settle_time:
            await asyncio.sleep(self.settings.settle_time)
        return None

    async def _settle_consent(self, handler: Any) -> ConsentOutcome:
        outcome: ConsentOutcome = await handler.settle(timeout=self.settings.consent_timeout)
        return outcome

    async def _original_body(self, context: BrowserContext, final_url: str, log: _PageLog) -> bytes:
        """The response body as served (for PDFs the page only holds the viewer)."""
        if final_url in log.documents:
            return await log.documents[final_url].body()
        response = await context.request.get(
            final_url, timeout=self.settings.nav_timeout * 1000
        )
        return await response.body()

    async def _screenshot(self, page: Page, log: _PageLog) -> bytes | None:
        """The whole page as a PNG; else what the viewport shows; else None (and why in log)."""
        timeout = self.settings.request_timeout + 10
        await _evaluate_quietly(page, FINISH_ANIMATIONS_JS)
        try:
            return await asyncio.wait_for(
                full_page_png(page, self.settings.max_screenshot_height,
                              fast=self.settings.fast_screenshots),
                timeout=timeout,
            )
        except (PlaywrightError, TimeoutError, KeyError, TypeError, ValueError) as exc:
            problem = f"full-page screenshot failed ({friendly_error(str(exc)) or 'timeout'})"
        try:
            shot = await page.screenshot(full_page=False, timeout=timeout * 1000)
            log.screenshot_problem = f"{problem}; kept the visible part"
            return shot
        except PlaywrightError as exc:
            log.screenshot_problem = f"{problem}; no screenshot ({friendly_error(str(exc))})"
            return None

    def _set_status(self, result: Capture, log: _PageLog, partial: str | None) -> None:
        status = result.http_status or 0
        if status >= 400:
            result.status = "failed"
            result.error = f"the server answered HTTP {status}"
            return
        reasons = [partial] if partial else []
        if log.blocked:
            reasons.append(f"{len(log.blocked)} request(s) not made: " + "; ".join(log.blocked[:3]))
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
MAX_SCREENSHOT_WIDTH = 4000
# Before the screenshot, as Playwright's `animations="disabled"` does: finite CSS animations,
# transitions and script animations jump to their end (a fade-in is shown faded in), endless
# ones go back to their start.
FINISH_ANIMATIONS_JS = """() => {
  for (const animation of document.getAnimations()) {
    try {
      const timing = animation.effect && animation.effect.getComputedTiming();
      if (timing && Number.isFinite(timing.endTime)) animation.finish(); else animation.cancel();
    } catch (e) { /* the page's own business */ }
  }
}"""


async def full_page_png(page: Page, max_height: int, max_width: int = MAX_SCREENSHOT_WIDTH,
                        fast: bool = True) -> bytes:
    """A PNG of the whole page (cut at `max_height` x `max_width` CSS pixels), past the viewport.

    The DevTools calls Playwright's full-page screenshot makes (the size from the layout, which
    the page's scripts cannot fake), made directly so that `optimizeForSpeed` can be set:
    encoding a tall page's PNG is most of a capture's cost."""
    session = await page.context.new_cdp_session(page)
    try:
        metrics = await session.send("Page.getLayoutMetrics")
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        viewport = metrics.get("cssLayoutViewport") or metrics["layoutViewport"]
        width = _bounded(content["width"], viewport["clientWidth"], max_width)
        height = _bounded(content["height"], viewport["clientHeight"], max_height)
        shot = await session.send("Page.captureScreenshot", {
            "format": "png",
            "captureBeyondViewport": True,
            "optimizeForSpeed": fast,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        })
    finally:
        try:
            await session.detach()
        except PlaywrightError:
            pass
    return base64.b64decode(shot["data"])


def _bounded(value: float, least: float, most: int) -> int:
    """`value`, at least `least` (the viewport) and 1, at most `most`, as a whole number."""
    floor = max(1, int(least)) if math.isfinite(least) else 1
    return int(min(max(value, floor), most)) if math.isfinite(value) else min(floor, most)


def _is_html(content_type: str | None) -> bool:
    mime = (content_type or "text/html").split(";")[0].strip().lower()
    return mime in HTML_TYPES


async def _utf8_snapshot(page: Page) -> str:
    """The rendered DOM, with its charset declaration saying what it now is: UTF-8."""
    await _evaluate_quietly(
        page,
        """() => {
          const metas = document.querySelectorAll('meta[charset], meta[http-equiv]');
          for (const m of metas) {
            if (m.hasAttribute('charset')) m.setAttribute('charset', 'utf-8');
            else if (m.httpEquiv.toLowerCase() === 'content-type')
              m.content = 'text/html; charset=utf-8';
          }
        }""",
    )
    return await page.content()


async def _evaluate_quietly(page: Page, script: str) -> Any:
    try:
        return await page.evaluate(script)
    except PlaywrightError:
        return None


async def _continue_quietly(route: Route) -> None:
    try:
        await route.continue_()
    except PlaywrightError:
        pass  # the page went away


async def _abort_quietly(route: Route, code: str) -> None:
    try:
        await route.abort(code)
    except PlaywrightError:
        pass


async def _close_browser_quietly(browser: PWBrowser) -> None:
    try:
        await asyncio.wait_for(browser.close(), timeout=15)
    except (PlaywrightError, TimeoutError):
        pass


async def _close_quietly(context: BrowserContext) -> None:
    try:
        await asyncio.wait_for(context.close(), timeout=10)
    except (PlaywrightError, TimeoutError):
        pass


# --- opt-in guard against private addresses (CaptureSettings.block_private)
#
# Playwright's route handler sees the first request of every frame, but not the redirect hops
# that Chromium follows itself; a CDP `Fetch` interceptor on the page sees every hop. Both check
# each URL's host. Site isolation is switched off for guarded captures so that cross-site
# iframes stay in the page's process, where the page's CDP session sees their requests.

CGNAT = ipaddress.ip_network("100.64.0.0/10")
LOCAL_SCHEMES = ("data", "blob", "about")


def launch_args(settings: CaptureSettings) -> list[str]:
    """What Chromium is started with: LAUNCH_ARGS, the guard's and the user's extra ones."""
    guard = ["--disable-site-isolation-trials", "--disable-features=IsolateOrigins,SitePerProcess"]
    return merged_args(LAUNCH_ARGS + (guard if settings.block_private else [])
                       + settings.extra_args, ())


def address_problem(address: str) -> str | None:
    """Why an IP address must not be reached by a guarded capture, or None if it is public."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if ip in CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "not a routable unicast address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (what the browser will connect to)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def blocked_reason(url: str) -> str | None:
    """Why a guarded capture must not request `url`, or None when it may."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in LOCAL_SCHEMES:
        return None
    if scheme not in ("http", "https", "ws", "wss"):
        return f"blocked: {scheme}: URLs are not fetched"
    host = (parts.hostname or "").rstrip(".")
    try:
        addresses = [str(ipaddress.ip_address(host.split("%")[0]))]
    except ValueError:
        try:
            addresses = await resolve_host(host, parts.port or 443)
        except (OSError, UnicodeError) as exc:
            return f"blocked: {host} could not be resolved ({exc})"
    for address in addresses:
        problem = address_problem(address)
        if problem:
            shown = host if host == address else f"{host} ({address})"
            return f"blocked: {shown} is {problem}"
    return None


async def _block_if_private(route: Route, log: _PageLog, is_main: bool) -> bool:
    reason = await blocked_reason(route.request.url)
    if reason is None:
        return False
    log.blocked.append(reason)
    if is_main:
        log.document_errors[route.request.url] = reason
    await _abort_quietly(route, "blockedbyclient")
    return True


async def _guard_private_addresses(context: BrowserContext, page: Page, log: _PageLog) -> None:
    """Fail every request (each redirect hop included) to a non-public address."""
    cdp = await context.new_cdp_session(page)

    async def paused(event: dict[str, Any]) -> None:
        reason = await blocked_reason(event["request"]["url"])
        try:
            if reason is None:
                await cdp.send("Fetch.continueRequest", {"requestId": event["requestId"]})
                return
            log.blocked.append(reason)
            await cdp.send("Fetch.failRequest", {"requestId": event["requestId"],
                                                 "errorReason": "BlockedByClient"})
        except PlaywrightError:
            pass  # the page or the request went away meanwhile

    cdp.on("Fetch.requestPaused", paused)
    await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
