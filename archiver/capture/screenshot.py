"""Full-page screenshots through the DevTools protocol (Chromium's fast PNG encoder)."""

from __future__ import annotations

import asyncio
import base64
import math

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from archiver.capture.quietly import evaluate_quietly, friendly_error
from archiver.capture.record import PageLog
from archiver.settings import CaptureSettings

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


async def take_screenshot(page: Page, settings: CaptureSettings, log: PageLog) -> bytes | None:
        """The whole page as a PNG; else what the viewport shows; else None (and why in log)."""
        timeout = settings.request_timeout + 10
        await evaluate_quietly(page, FINISH_ANIMATIONS_JS)
        try:
            return await asyncio.wait_for(
                full_page_png(page, settings.max_screenshot_height,
                              fast=settings.fast_screenshots),
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
