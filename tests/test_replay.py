"""The whole page: captured with every resource, replayed from the archive alone.

A rich page on two local origins (tests/wholepage.py) is captured with `archiver save`; both
servers are shut down; then the archived page, served by `archiver serve` and written as one
file by `archiver show --page`, must look like the live page did (full-page screenshots
compared block by block) while making no request to anything but the archive.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FixtureServer, LiveServer, Reply
from PIL import Image, ImageChops
from wholepage import BLOCKS, routes

from archiver import store

VIEWPORT = {"width": 1280, "height": 800}
TOLERANCE = 40  # colour difference (0-255, per channel) still counted as the same pixel
SCROLL_LIKE_A_READER = """async () => {
  for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight) {
    window.scrollTo(0, y); await new Promise((done) => setTimeout(done, 150));
  }
  window.scrollTo(0, 0);
  await Promise.all([...document.images].filter((i) => !i.complete).map((i) =>
    new Promise((done) => { i.onload = done; i.onerror = done; })));
  await document.fonts.ready;
}"""
BLOCK_BOXES = """(ids) => ids.map((id) => {
  const box = document.getElementById(id).getBoundingClientRect();
  return [id, Math.round(box.left), Math.round(box.top + scrollY), Math.round(box.width),
          Math.round(box.height)];
})"""


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[FixtureServer, FixtureServer]]:
    first, second = FixtureServer().start(), FixtureServer().start()
    on_first, on_second = routes(f"http://127.0.0.1:{second.port}")
    for server, table in ((first, on_first), (second, on_second)):
        for path, (body, content_type) in table.items():
            server.add(path, Reply(body=body, content_type=content_type,
                                   headers={"Access-Control-Allow-Origin": "*"}))
    yield first, second
    for server in (first, second):
        server.stop()


@pytest.fixture(scope="module")
def archived(origins: tuple[FixtureServer, FixtureServer], chromium: Any,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The live page's screenshot and block boxes, then its capture, with both servers gone."""
    first, second = origins
    url = first.url("/whole/index.html")
    live, boxes = _look(chromium, url, scroll=True)
    db_path = tmp_path_factory.mktemp("whole") / "archive.db"
    saved = subprocess.run([sys.executable, "-m", "archiver", "save", url, "--db", str(db_path)],
                           capture_output=True, text=True, timeout=180)
    assert saved.returncode == 0, saved.stderr
    first.stop()
    second.stop()
    return {"live": live, "boxes": boxes, "db_path": db_path,
            "capture_id": int(saved.stdout.split("\t")[0])}


def _look(chromium: Any, url: str, scroll: bool = False,
          requests: list[str] | None = None) -> tuple[Image.Image, list[Any]]:
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="load")
    if scroll:
        page.evaluate(SCROLL_LIKE_A_READER)
    # The whole page in one viewport: Chromium does not paint cross-origin frames outside the
    # viewport, so a full-page screenshot would show them blank, live and replayed alike.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    page.wait_for_timeout(500)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    boxes = page.evaluate(BLOCK_BOXES, list(BLOCKS))
    context.close()
    return shot, boxes


def same_pixels(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Share of the pixels in `box` (left, top, width, height) whose colours are within
    TOLERANCE of each other."""
    left, top, width, height = box
    region = (left, top, left + width, top + height)
    diff = ImageChops.difference(a.crop(region), b.crop(region))
    worst = ImageChops.lighter(ImageChops.lighter(*diff.split()[:2]), diff.split()[2])
    histogram = worst.histogram()
    return sum(histogram[:TOLERANCE + 1]) / max(1, width * height)


def assert_looks_like(live: Image.Image, replay: Image.Image, boxes: list[Any]) -> None:
    assert abs(live.height - replay.height) <= 4, (live.size, replay.size)
    height = min(live.height, replay.height)
    overall = same_pixels(live, replay, (0, 0, min(live.width, replay.width), height))
    blocks = {box[0]: same_pixels(live, replay, tuple(box[1:])) for box in boxes}
    poor = {name: round(score, 3) for name, score in blocks.items() if score < 0.98}
    assert not poor, f"blocks that do not look like the live page: {poor}"
    assert overall >= 0.98, overall


def test_every_block_was_loaded_in_the_live_page(archived: dict[str, Any]) -> None:
    """The check below means something only if the live page really showed each block."""
    live: Image.Image = archived["live"]
    for name, left, top, width, height in archived["boxes"]:
        colours = live.crop((left, top, left + width, top + height)).getcolors(1_000_000) or []
        assert len(colours) > 1 or colours[0][1] != (255, 255, 255), f"{name} is blank"


def test_the_capture_kept_every_resource(archived: dict[str, Any]) -> None:
    db = store.open_db(archived["db_path"])
    capture = store.get_capture(db, archived["capture_id"])
    rows = store.capture_resources(db, archived["capture_id"])
    kept = {row["url"].rsplit("/", 1)[-1] for row in rows if row["body_hash"]}
    wanted = {"index.html", "site.css", "more.css", "boxes.ttf", "cssbg.png", "inline.png",
              "photo.webp", "small.png", "svgimage.png", "poster.png", "frame.html",
              "frame.css", "frame.png", "widgets.js", "scripted.png", "lazy.png", "jslazy.png"}
    assert wanted <= kept, wanted - kept
    assert capture["resources_status"] == "complete"
    assert capture["resources_stored"] == len([r for r in rows if r["body_hash"]])
    assert len(store.capture_frames(db, archived["capture_id"])) == 1
    snapshot = store.capture_blob(db, archived["capture_id"], "snapshot")
    assert snapshot is not None and b'<template shadowrootmode="open">' in snapshot.content


def test_the_archived_page_replays_from_the_archive_alone(
        archived: dict[str, Any], chromium: Any, live_server: Any, db_path: Path) -> None:
    db_path.write_bytes(archived["db_path"].read_bytes())
    server: LiveServer = live_server()
    requests: list[str] = []
    url = f"{server.url}/-/archiver/archive/{archived['capture_id']}/snapshot"
    replay, _ = _look(chromium, url, requests=requests)
    elsewhere = [r for r in requests if not r.startswith(server.url + "/")]
    assert not elsewhere, elsewhere
    assert not [r for r in requests if r.endswith("/-/archiver/missing")]
    assert_looks_like(archived["live"], replay, archived["boxes"])


def test_the_single_file_page_opens_offline_and_looks_the_same(
        archived: dict[str, Any], chromium: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "page.html"
    result = subprocess.run(
        [sys.executable, "-m", "archiver", "show", str(archived["capture_id"]), "--db",
         str(archived["db_path"]), "--page", str(page_file)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    html = page_file.read_text()
    assert "<script" not in html and "http://127.0.0.1" not in html.split("<body", 1)[1]
    requests: list[str] = []
    replay, _ = _look(chromium, page_file.as_uri(), requests=requests)
    assert [r for r in requests if not r.startswith(("file:", "data:", "about:"))] == []
    assert_looks_like(archived["live"], replay, archived["boxes"])
