"""Lazy content: load what a reader scrolling down would see, before the snapshot.

Native lazy images and frames are switched to eager; then the page is scrolled down a
viewport at a time (so that scroll- and IntersectionObserver-driven loaders fetch their
images), back to the top, and images that started loading get a little time to finish.
All of it bounded by a time budget and a number of steps. On a page where nothing can run
(no script, see page.SCRIPTED_JS) nothing loads on a scroll: it is not scrolled.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from archiver.capture.quietly import evaluate_quietly

LAZY_JS = """async ({stepMs, budgetMs, maxSteps, scroll}) => {
  const started = performance.now();
  const left = () => budgetMs - (performance.now() - started);
  for (const el of document.querySelectorAll('img[loading="lazy"], iframe[loading="lazy"]')) {
    el.loading = "eager";
  }
  const height = () => Math.max(document.documentElement.scrollHeight,
                                document.body ? document.body.scrollHeight : 0);
  let steps = 0;
  for (let y = innerHeight; scroll && y < height() && steps < maxSteps && left() > 0;
       y += innerHeight) {
    window.scrollTo(0, y);
    steps++;
    await new Promise((done) => setTimeout(done, stepMs));
  }
  if (steps) window.scrollTo(0, 0);
  const pending = [...document.images]
    .filter((img) => !img.complete && (img.currentSrc || img.src));
  const loaded = pending.map((img) => new Promise((done) => {
    img.addEventListener("load", done, {once: true});
    img.addEventListener("error", done, {once: true});
  }));
  await Promise.race([Promise.all(loaded),
                      new Promise((done) => setTimeout(done, Math.max(0, left())))]);
  return {steps, pending: pending.filter((img) => !img.complete).length};
}"""


async def load_lazy_content(page: Page, budget: float, step: float = 0.1,
                            max_steps: int = 20, scroll: bool = True) -> dict[str, Any]:
    """Scroll through the page (unless not `scroll`) within `budget` seconds, and wait for
    the images that started loading; returns what was done."""
    args = {"stepMs": int(step * 1000), "budgetMs": int(budget * 1000), "maxSteps": max_steps,
            "scroll": scroll}
    found = await evaluate_quietly(page, LAZY_JS, args)
    return found if isinstance(found, dict) else {}
