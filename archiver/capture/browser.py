"""One Chromium for many captures: start, restart when worn or crashed, close.

Every capture gets a fresh browser context (no cookies shared between captures) and an overall
deadline; the page itself is `PageCapture`'s business.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from playwright.async_api import Browser as PWBrowser
from playwright.async_api import BrowserContext, Playwright, ProxySettings, async_playwright
from playwright.async_api import Error as PlaywrightError

from archiver.capture.launch import browser_user_agent, chromium_for, launch_args
from archiver.capture.page import Idle, PageCapture
from archiver.capture.quietly import close_browser_quietly, close_quietly, friendly_error
from archiver.capture.record import PageLog
from archiver.capture.relay import Relay
from archiver.cookies import Cookies, redact
from archiver.models import Capture, now_iso
from archiver.settings import CaptureSettings


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
            self.executable = chromium_for(self._pw, self.settings.browser_path)
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
            asyncio.ensure_future(close_browser_quietly(browser))
        else:
            self._retired.append(browser)

    def _release(self, browser: PWBrowser) -> None:
        self._in_use[browser] -= 1
        if self._in_use[browser] == 0:
            del self._in_use[browser]
            if browser in self._retired:
                self._retired.remove(browser)
                asyncio.ensure_future(close_browser_quietly(browser))

    async def close(self) -> None:
        for browser in [*self._retired, *self._in_use]:
            await close_browser_quietly(browser)
        self._retired.clear()
        self._in_use.clear()
        if self._browser is not None:
            await close_browser_quietly(self._browser)
            self._browser = None
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None

    @property
    def user_agent(self) -> str:
        if self.settings.user_agent:
            return self.settings.user_agent
        return browser_user_agent(self.version)

    async def capture(self, url: str, idle: Idle | None = None,
                      cookies: Cookies | None = None) -> Capture:
        """Capture one URL. Never raises for a bad page: failures come back as status "failed".

        `idle` is entered while the page only waits (for its consent prompt to settle and its
        lazy content to load): a caller that limits how many pages work at once can let
        another page work meanwhile. `cookies` (default: the settings') are added to the
        capture's context; their values are taken out of what it recorded."""
        cookies = cookies if cookies is not None else self.settings.cookies
        result = await self._capture(url, idle, cookies)
        redact(result, cookies)
        return result

    async def _capture(self, url: str, idle: Idle | None, cookies: Cookies | None) -> Capture:
        started = time.monotonic()
        result = Capture(url=url, captured_at=now_iso(), browser_version=self.version)
        browser = await self._current_browser()
        self._in_use[browser] = self._in_use.get(browser, 0) + 1
        page_capture = PageCapture(self.settings, idle)
        async with AsyncExitStack() as stack:
            try:
                proxy = await self._relay(stack, page_capture.log)
                context = await self._new_context(browser, proxy)
            except (PlaywrightError, OSError) as exc:
                self._release(browser)
                result.status, result.error = "failed", friendly_error(str(exc))
                return result
            if cookies:
                try:
                    await context.add_cookies(list(cookies.cookies))
                except PlaywrightError:  # its message may quote a cookie: not shown
                    await close_quietly(context)
                    self._release(browser)
                    result.status = "failed"
                    result.error = f"the browser refused the cookies of {cookies.path}"
                    return result
            try:
                await asyncio.wait_for(page_capture.run(context, url, result),
                                       timeout=self.settings.page_deadline)
            except TimeoutError:
                result.status = "failed"
                result.error = (
                    f"the page did not finish within the {self.settings.page_deadline:g} s "
                    "page deadline (raise it with --page-deadline)"
                )
            except PlaywrightError as exc:
                result.status = "failed"
                result.error = friendly_error(str(exc))
            except Exception as exc:  # noqa: BLE001 - one odd page must not end a run of thousands
                result.status = "failed"
                result.error = f"unexpected error while capturing: {type(exc).__name__}: {exc}"
            finally:
                result.duration_ms = int((time.monotonic() - started) * 1000)
                await close_quietly(context)
                self._release(browser)
        if browser.is_connected():
            self._crashes_in_a_row = 0
        return result

    async def _relay(self, stack: AsyncExitStack, log: PageLog) -> ProxySettings | None:
        """For a guarded capture, the relay every TCP connection of its context goes through
        (WebSocket and WebRTC included: see archiver.capture.relay), as a Playwright proxy."""
        if not self.settings.block_private:
            return None
        relay = await stack.enter_async_context(Relay(log.connection_blocked))
        return relay.proxy

    async def _new_context(self, browser: PWBrowser,
                           proxy: ProxySettings | None = None) -> BrowserContext:
        return await browser.new_context(
            proxy=proxy,
            viewport={"width": self.settings.viewport_width,
                      "height": self.settings.viewport_height},
            user_agent=self.user_agent,
            service_workers="block",  # so that every request passes the route handler
            accept_downloads=False,
        )
