"""Full-page screenshot encodings: time and size per page, on the throughput benchmark's pages.

One Chromium, one page, the pages one after another (so each figure is the encoder's own time,
not a share of a busy machine); every page is shot once to warm up, then with each method in
turn, the order rotating from page to page. Besides the time, the CPU seconds of this process
and its descendants (Chromium, Playwright's driver; from /proc, which other load on the
machine does not change):

  playwright   page.screenshot(full_page=True), what the throughput floor does
  png          Page.captureScreenshot (the DevTools call Playwright makes), Chromium's default
               PNG encoder: what `--compact-screenshots` does
  png-fast     the same with optimizeForSpeed: lossless, faster, bigger (`--screenshot-format
               png`)
  webp         WebP at --quality (default 80), encoded by Chromium: the archiver's default
  webp-lossless  WebP at quality 100, which Chromium encodes losslessly
  jpeg         JPEG at --quality

It also checks that `png` and `png-fast` decode to the same pixels (both are lossless).

example:
  python -m tests.bench screenshots --pages 20
  python -m tests.bench screenshots --pages 10 --light --keep /tmp/shots
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import time
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from archiver.capture import LAUNCH_ARGS, chromium_for, full_page_shot
from tests.bench.pages import article_urls, site_process
from tests.bench.throughput import _proc_table, descendants

METHODS = ("playwright", "png", "png-fast", "webp", "webp-lossless", "jpeg")
EXTENSIONS = {"playwright": "png", "png": "png", "png-fast": "png", "webp": "webp",
              "webp-lossless": "webp", "jpeg": "jpg"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=20, help="pages to shoot (default 20)")
    parser.add_argument("--light", action="store_true",
                        help="the light pages (22 KB of text and inline SVG) instead")
    parser.add_argument("--quality", type=int, default=80,
                        help="WebP and JPEG quality (default 80, the archiver's)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="WebP and JPEG drawn at this scale (the archiver's default is "
                             "0.75; the PNGs stay at 1.0, the floor's)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="write the first page's shots here, to look at them")


def run(args: argparse.Namespace) -> int:
    with site_process(["ok"] * args.pages) as base:
        urls = article_urls(base, args.pages, light=args.light)
        figures, same = asyncio.run(_shoot(urls, args.quality, args.keep, args.scale))
    kind = "light" if args.light else "heavy"
    print(f"{args.pages} generated {kind} article pages, 1280 px wide, shot one at a time, "
          f"WebP/JPEG quality {args.quality}, scale {args.scale}")
    print(f"{'method':<14} {'ms/page p50':>10} {'mean':>8} {'CPU ms p50':>11} {'KB/page':>9}")
    for method in METHODS:
        times, sizes, cpu = figures[method]
        print(f"{method:<14} {statistics.median(times) * 1000:>10.0f} "
              f"{statistics.fmean(times) * 1000:>8.0f} {statistics.median(cpu) * 1000:>11.0f} "
              f"{statistics.fmean(sizes) / 1024:>9.0f}")
    base_t, base_s = (statistics.fmean(v) for v in figures["png"][:2])
    fast_t, fast_s = (statistics.fmean(v) for v in figures["png-fast"][:2])
    print(f"png-fast vs png: {fast_t / base_t - 1:+.0%} time, {fast_s / base_s - 1:+.0%} bytes; "
          f"same pixels on {same}/{args.pages} pages")
    return 0 if same == args.pages else 1


Figures = dict[str, tuple[list[float], list[int], list[float]]]  # times, sizes, CPU seconds


def tree_cpu() -> float:
    """CPU seconds of this process and of its descendants alive now (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = time.process_time()
    for pid in descendants(os.getpid(), _proc_table()):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def _shoot(urls: list[str], quality: int, keep: Path | None,
                 scale: float = 1.0) -> tuple[Figures, int]:
    figures: Figures = {m: ([], [], []) for m in METHODS}
    same = 0
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_for(pw), args=LAUNCH_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        for number, url in enumerate(urls):
            await page.goto(url, wait_until="load")
            await _one(page, "png")  # warm-up, not counted
            shots: dict[str, bytes] = {}
            turn = number % len(METHODS)
            for method in METHODS[turn:] + METHODS[:turn]:
                started, cpu = time.monotonic(), tree_cpu()
                shots[method] = await _one(page, method, quality, scale)
                figures[method][0].append(time.monotonic() - started)
                figures[method][1].append(len(shots[method]))
                figures[method][2].append(tree_cpu() - cpu)
            same += await same_pixels(page, shots["png"], shots["png-fast"])
            if keep is not None and number == 0:
                keep.mkdir(parents=True, exist_ok=True)
                for method, shot in shots.items():
                    (keep / f"{method}.{EXTENSIONS[method]}").write_bytes(shot)
        await browser.close()
    return figures, same


async def _one(page: Any, method: str, quality: int = 80, scale: float = 1.0) -> bytes:
    if method == "playwright":
        return bytes(await page.screenshot(full_page=True))
    if method.startswith("webp"):
        return await full_page_shot(page, 16000, image_format="webp",
                                    quality=100 if method == "webp-lossless" else quality,
                                    scale=scale)
    if method == "jpeg":
        return await full_page_shot(page, 16000, image_format="jpeg", quality=quality,
                                    scale=scale)
    return await full_page_shot(page, 16000, fast=method == "png-fast")


SAME_PIXELS_JS = """async ([a, b]) => {
  const pixels = async (b64) => {
    const response = await fetch('data:image/png;base64,' + b64);
    const bitmap = await createImageBitmap(await response.blob());
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  };
  const [x, y] = [await pixels(a), await pixels(b)];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}"""


async def same_pixels(page: Any, one: bytes, other: bytes) -> bool:
    """Whether two PNGs decode to the same pixels (decoded by the browser itself)."""
    images = [base64.b64encode(one).decode(), base64.b64encode(other).decode()]
    return bool(await page.evaluate(SAME_PIXELS_JS, images))
