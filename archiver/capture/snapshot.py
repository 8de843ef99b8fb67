"""The DOM snapshot of a page and of each of its frames (see snapshot.js for what it keeps:
the browser extension runs the same script, extension/lib/snapshot.js, linked from here).

Each frame's <iframe> element is marked `data-archiver-frame="N"` first, so that the parent's
snapshot says which stored frame snapshot goes where (same- and cross-origin frames alike).
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page

from archiver.models import FrameSnapshot

MAX_FRAMES = 50
FRAME_TIMEOUT = 5.0  # seconds for one frame's snapshot (a busy ad frame must not hold the page)
MARK_JS = "(element, n) => element.setAttribute('data-archiver-frame', String(n))"


@functools.lru_cache(maxsize=1)
def snapshot_script() -> str:
    """The script, as an expression whose value is the function Playwright then calls."""
    script = Path(__file__).with_name("snapshot.js").read_text(encoding="utf-8")
    return f"{script}\n;globalThis.archiverSnapshot"


async def take_snapshot(page: Page) -> tuple[str, list[FrameSnapshot]]:
    """(the page's HTML, its frames' snapshots); the HTML falls back to `page.content()`."""
    positions = await _mark_frames(page)
    frames = []
    for frame, position in positions.items():
        html = await _frame_html(frame)
        if html is not None:
            parent = positions.get(frame.parent_frame) if frame.parent_frame else None
            frames.append(FrameSnapshot(position, frame.url or None, html, parent))
    html = await _frame_html(page.main_frame, timeout=None)
    return (html if html is not None else await page.content()), frames


async def _mark_frames(page: Page) -> dict[Frame, int]:
    positions: dict[Frame, int] = {}
    for frame in page.frames:
        if frame is page.main_frame or frame.is_detached() or len(positions) >= MAX_FRAMES:
            continue
        try:
            element = await asyncio.wait_for(frame.frame_element(), FRAME_TIMEOUT)
            await asyncio.wait_for(element.evaluate(MARK_JS, len(positions)), FRAME_TIMEOUT)
        except (PlaywrightError, TimeoutError):
            continue
        positions[frame] = len(positions)
    return positions


async def _frame_html(frame: Frame, timeout: float | None = FRAME_TIMEOUT) -> str | None:
    try:
        found = await asyncio.wait_for(frame.evaluate(snapshot_script(), {}), timeout)
    except (PlaywrightError, TimeoutError):
        return None
    html = found.get("html") if isinstance(found, dict) else None
    return html if isinstance(html, str) and html else None
