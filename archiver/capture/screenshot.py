"""Full-page screenshots through the DevTools protocol, encoded by Chromium itself: by default
("auto") lossless WebP or JPEG or lossy WebP as the page is, or always WebP, or lossless PNG
(Chromium's fast encoder), or JPEG. Nothing is decoded or encoded again here.

What the page is, measured in it just before the shot: grey text and drawings (lossless WebP:
15-40 % smaller than lossy WebP at quality 80 and quicker to encode), photos (raster images,
video, canvas, background pictures) over at least `PHOTO_SHARE` of it, or at least
`COLOURED_TEXT` of its text coloured (lossy: a third to two thirds smaller than lossless).
"auto" takes the photos' pages as JPEG at `screenshot_quality`: Chromium's lossy WebP of a tall
page with pictures costs about three times the CPU of its JPEG (0.38 against 0.13 s at scale
0.75), which on a busy machine is a tenth of the capture rate, for a third fewer bytes; text in
many hues stays lossy WebP, where JPEG's ringing shows most (`python -m tests.bench
screenshots`). "webp" is lossy WebP for both. Quality 100 is lossless WebP throughout."""

from __future__ import annotations

import asyncio
import base64
import math
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from archiver.capture.quietly import evaluate_quietly, friendly_error
from archiver.capture.record import PageLog
from archiver.settings import CaptureSettings

MAX_SCREENSHOT_WIDTH = 4000


FORMATS = ("auto", "webp", "png", "jpeg")


MAX_SIDE = {"webp": 16383, "jpeg": 65535, "png": 1 << 31}
"""The largest side each format can hold, in pixels (WebP's is 14 bits)."""


MIN_SCALE = 0.25  # of `scale`: below this, text is a grey smudge


PHOTO_SHARE = 0.05  # of the page's area, from which WebP is lossy


COLOURED_TEXT = 0.1  # of the page's text, from which WebP is lossy


# Before the screenshot, as Playwright's `animations="disabled"` does: finite CSS animations,
# transitions and script animations jump to their end (a fade-in is shown faded in), endless
# ones go back to their start. With `measure`, it returns, for the choice between lossless and
# lossy WebP, the share of the page (down to `maxHeight`) that raster pictures cover (SVG images
# are drawings; boxes smaller than 100 x 100 px are not counted: icons) and the share of its
# text (in characters) that is coloured rather than grey: Chromium's lossless WebP is small for
# black or grey text, not for many hues of it, nor for photos.
FINISH_ANIMATIONS_JS = r"""({measure, maxHeight}) => {
  for (const animation of document.getAnimations()) {
    try {
      const timing = animation.effect && animation.effect.getComputedTiming();
      if (timing && Number.isFinite(timing.endTime)) animation.finish(); else animation.cancel();
    } catch (e) { /* the page's own business */ }
  }
  if (!measure) return null;
  const root = document.documentElement;
  const width = Math.max(1, root.scrollWidth);
  const height = Math.max(1, Math.min(maxHeight, root.scrollHeight));
  const vector = /\.svg([?#]|$)|^data:image\/svg/i;
  let area = 0, text = 0, coloured = 0;
  for (const el of document.querySelectorAll("body *")) {
    let own = 0;
    for (const node of el.childNodes) {
      if (node.nodeType === 3) own += node.data.trim().length;
    }
    if (own) {
      const rgb = (getComputedStyle(el).color.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
      text += own;
      if (rgb.length === 3 && Math.max(...rgb) - Math.min(...rgb) > 40) coloured += own;
    }
    const box = el.getBoundingClientRect();
    if (box.width * box.height < 10000) continue;
    let raster = false;
    if (["IMG", "VIDEO", "CANVAS", "EMBED", "OBJECT"].includes(el.tagName)) {
      raster = !(el.tagName === "IMG" && vector.test(el.currentSrc || el.src || ""));
    } else {
      const picture = getComputedStyle(el).backgroundImage;
      raster = picture !== "none" && picture.includes("url(") && !/\.svg/i.test(picture);
    }
    if (!raster) continue;
    const w = Math.min(box.right, width) - Math.max(box.left, 0);
    const h = Math.min(box.bottom + scrollY, height) - Math.max(box.top + scrollY, 0);
    if (w > 0 && h > 0) area += w * h;
  }
  return {photos: Math.min(1, area / (width * height)), coloured: text ? coloured / text : 0};
}"""


async def full_page_shot(page: Page, max_height: int, max_width: int = MAX_SCREENSHOT_WIDTH,
                         fast: bool = True, image_format: str = "png",
                         quality: int | None = None, scale: float = 1.0) -> bytes:
    """An image of the whole page (cut at `max_height` x `max_width` CSS pixels, and below what
    the format can hold), past the viewport, in `image_format` ("webp", "png", "jpeg"; WebP and
    JPEG at `quality`, 0-100), drawn at `scale` image pixels a CSS pixel (Chromium lays the
    page out as it is and draws it smaller: text is rendered at that size, not resampled).

    The DevTools calls Playwright's full-page screenshot makes (the size from the layout, which
    the page's scripts cannot fake), made directly so that the format, the quality and
    `optimizeForSpeed` (PNG) can be set: encoding a tall page is most of a capture's cost."""
    scale = min(1.0, max(MIN_SCALE, scale))
    side = MAX_SIDE.get(image_format, MAX_SIDE["png"])
    if scale < 1:
        side = int((side - 1) / scale)  # in CSS pixels, so that the image's side stays within
    session = await page.context.new_cdp_session(page)
    try:
        metrics = await session.send("Page.getLayoutMetrics")
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        viewport = metrics.get("cssLayoutViewport") or metrics["layoutViewport"]
        width = _bounded(content["width"], viewport["clientWidth"], min(max_width, side))
        height = _bounded(content["height"], viewport["clientHeight"], min(max_height, side))
        params: dict[str, Any] = {
            "format": image_format,
            "captureBeyondViewport": True,
            "optimizeForSpeed": fast,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale},
        }
        if image_format != "png" and quality is not None:
            params["quality"] = max(0, min(100, int(quality)))
        shot = await session.send("Page.captureScreenshot", params)
    finally:
        try:
            await session.detach()
        except PlaywrightError:
            pass
    return base64.b64decode(shot["data"])


async def full_page_png(page: Page, max_height: int, max_width: int = MAX_SCREENSHOT_WIDTH,
                        fast: bool = True) -> bytes:
    """A lossless PNG of the whole page (see `full_page_shot`)."""
    return await full_page_shot(page, max_height, max_width, fast=fast)


def _kind_of_page(found: Any) -> str:
    """What the page is, as FINISH_ANIMATIONS_JS measured it: "drawings" (grey text and
    drawings, few photos: what lossless WebP holds in fewer bytes than lossy), "photos" (at
    least `PHOTO_SHARE` of it), "coloured" (text in many hues) or "unknown"."""
    if not isinstance(found, dict):
        return "unknown"
    photos, coloured = found.get("photos"), found.get("coloured")
    if not isinstance(photos, (int, float)) or not isinstance(coloured, (int, float)):
        return "unknown"
    if photos >= PHOTO_SHARE:
        return "photos"
    return "coloured" if coloured >= COLOURED_TEXT else "drawings"


def choose_encoding(image_format: str, quality: int, kind: str) -> tuple[str, int]:
    """The format and quality to ask Chromium for, for `image_format` (one of FORMATS) at
    `quality`, on a page of `kind` (see `_kind_of_page`)."""
    if image_format not in ("auto", "webp"):
        return image_format, quality
    if kind == "drawings" or quality >= 100:
        return "webp", 100  # lossless: smaller here, and quicker
    if image_format == "auto" and kind == "photos":
        return "jpeg", quality
    return "webp", quality


def _bounded(value: float, least: float, most: int) -> int:
    """`value`, at least `least` (the viewport) and 1, at most `most`, as a whole number."""
    floor = max(1, int(least)) if math.isfinite(least) else 1
    return int(min(max(value, floor), most)) if math.isfinite(value) else min(floor, most)


async def take_screenshot(page: Page, settings: CaptureSettings, log: PageLog) -> bytes | None:
    """The whole page in the settings' format (a WebP that Chromium cannot encode is taken
    as a JPEG); else what the viewport shows, as a PNG; else None (and why in the log)."""
    timeout = settings.request_timeout + 10
    image_format = settings.screenshot_format if settings.screenshot_format in FORMATS else "png"
    measure = image_format in ("auto", "webp") and settings.screenshot_quality < 100
    found = await evaluate_quietly(page, FINISH_ANIMATIONS_JS,
                                   {"measure": measure,
                                    "maxHeight": settings.max_screenshot_height})
    image_format, quality = choose_encoding(image_format, settings.screenshot_quality,
                                            _kind_of_page(found))
    problem = ""
    for attempt in (image_format, "jpeg") if image_format == "webp" else (image_format,):
        try:
            return await asyncio.wait_for(
                full_page_shot(page, settings.max_screenshot_height,
                               fast=settings.fast_screenshots, image_format=attempt,
                               quality=min(quality, 90) if attempt == "jpeg" else quality,
                               scale=settings.screenshot_scale),
                timeout=timeout,
            )
        except (PlaywrightError, TimeoutError, KeyError, TypeError, ValueError) as exc:
            problem = f"full-page screenshot failed ({friendly_error(str(exc)) or 'timeout'})"
            if isinstance(exc, TimeoutError):
                break  # the page, not the format
    try:
        shot = await page.screenshot(full_page=False, timeout=timeout * 1000)
        log.screenshot_problem = f"{problem}; kept the visible part"
        return shot
    except PlaywrightError as exc:
        log.screenshot_problem = f"{problem}; no screenshot ({friendly_error(str(exc))})"
        return None
