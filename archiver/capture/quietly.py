"""Playwright calls whose failure only means the page or browser went away, and error texts."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Browser as PWBrowser
from playwright.async_api import BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError


def friendly_error(message: str) -> str:
    """Turn a Playwright / network error into a sentence a person can act on."""
    first = message.strip().splitlines()[0] if message.strip() else message
    first = first.split(": ", 1)[1] if first.startswith(("Page.", "Route.", "APIRequest")) \
        else first  # Playwright's "Page.goto: " names its own call, not the problem
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
        ("ERR_EMPTY_RESPONSE", "the server closed the connection without answering"),
        ("socket hang up", "the server closed the connection without answering"),
        ("ERR_TIMED_OUT", "the connection timed out"),
        ("ETIMEDOUT", "the connection timed out"),
        ("ERR_HTTP2_PROTOCOL_ERROR", "the server broke the HTTP/2 protocol"),
        ("ERR_BLOCKED_BY_RESPONSE", "the server's headers forbid showing this page"),
        ("ERR_ABORTED", "the browser stopped loading the page (it left or was stopped)"),
        ("ERR_FAILED", "the browser could not load the page, and gave no reason (a broken "
                       "response, a download, or a blocked request)"),
    ]
    for needle, text in table:
        if needle in message:
            return f"{text} ({first})"
    return first


async def evaluate_quietly(page: Page, script: str, arg: Any = None) -> Any:
    try:
        return await page.evaluate(script, arg)
    except PlaywrightError:
        return None


async def continue_quietly(route: Route) -> None:
    try:
        await route.continue_()
    except PlaywrightError:
        pass  # the page went away


async def abort_quietly(route: Route, code: str) -> None:
    try:
        await route.abort(code)
    except PlaywrightError:
        pass


async def close_browser_quietly(browser: PWBrowser) -> None:
    try:
        await asyncio.wait_for(browser.close(), timeout=15)
    except (PlaywrightError, TimeoutError):
        pass


async def close_quietly(context: BrowserContext) -> None:
    try:
        await asyncio.wait_for(context.close(), timeout=10)
    except (PlaywrightError, TimeoutError):
        pass
