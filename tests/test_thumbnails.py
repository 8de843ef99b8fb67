"""Thumbnails are real scaled-down images, made with limits (SECURITY.md §6): a screenshot
that claims enormous dimensions is refused at upload, and one already in the archive costs the
server nothing when its thumbnail is asked for."""

from __future__ import annotations

import base64
import http.client
import io
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import LiveServer
from helpers import EXT_ORIGIN, make_token, request, rows
from PIL import Image

from archiver import store
from archiver.models import Capture


def chunk(name: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + name + data
            + struct.pack(">I", zlib.crc32(name + data) & 0xFFFFFFFF))


def bomb_png(side: int = 100_000) -> bytes:
    """A few kilobytes claiming side x side RGBA pixels, all zero."""
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 4_000_000, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def page_png(width: int = 1280, height: int = 3000, image_format: str = "PNG") -> bytes:
    """A page screenshot: a red band at the top, white below."""
    image = Image.new("RGB", (width, height), "white")
    image.paste((200, 20, 20), (0, 0, width, 200))
    out = io.BytesIO()
    image.save(out, image_format)
    return out.getvalue()


def get_bytes(srv: LiveServer, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.getheader("content-type") or "", body


def memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db_path = tmp_path_factory.mktemp("thumbs") / "archive.db"
    db = store.open_db(db_path)
    for url, shot in (("https://example.org/page", page_png()),
                      ("https://example.org/bomb", bomb_png()),
                      ("https://example.org/webp", page_png(image_format="WEBP"))):
        store.save_capture(db, Capture(url=url, content_type="text/html", html="<p>x</p>",
                                       screenshot=shot, captured_at="2026-01-01T00:00:00Z"),
                           None)
    db.close()
    srv = LiveServer(db_path)
    srv.token = make_token(db_path)
    yield srv
    srv.stop()


@pytest.mark.parametrize("capture_id", [1, 3], ids=["png", "webp"])
def test_the_thumbnail_is_the_top_of_the_page_320_wide_and_kept(served: LiveServer,
                                                                capture_id: int) -> None:
    answers = [get_bytes(served, f"/-/archiver/archive/{capture_id}/thumbnail")
               for _ in range(2)]
    assert answers[0] == answers[1]  # the second one is the kept one
    status, content_type, jpeg = answers[0]
    assert status == 200 and content_type == "image/jpeg"
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG" and image.size == (320, 221)  # the cards' 1.45 aspect
    red, green, _ = image.getpixel((160, 10))
    assert red > 150 and green < 80  # the top of the page
    assert image.getpixel((160, image.height - 3))[1] > 200  # below the band: white
    kept = sqlite3.connect(served.db_path).execute(
        "select blobs.content_type from captures join blobs on blobs.hash = "
        "captures.thumbnail_hash where captures.id = ?", [capture_id]).fetchall()
    assert kept == [("image/jpeg",)]
    status, content_type, shot = get_bytes(served, f"/-/archiver/archive/{capture_id}/screenshot")
    assert status == 200 and content_type == ("image/png", "image/webp")[capture_id == 3]


def test_a_bomb_already_in_the_archive_costs_nothing(served: LiveServer) -> None:
    before = memory_mb(served.proc.pid)
    for _ in range(3):
        status, body, _ = request(served, "GET", "/-/archiver/archive/2/thumbnail")
        assert status == 404 and "100000x100000 pixels" in body["raw"], body
    status, _, _ = request(served, "GET", "/-/archiver/archive/")
    assert status == 200
    assert memory_mb(served.proc.pid) - before < 50


def test_an_upload_claiming_huge_dimensions_is_refused(served: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {served.token}", "Origin": EXT_ORIGIN,
            "Content-Type": "application/json"}
    for shot in (bomb_png(), bomb_png(33_000)):
        capture = {"url": "https://example.org/uploaded", "html": "<p>x</p>",
                   "screenshot": "data:image/png;base64," + base64.b64encode(shot).decode()}
        status, body, _ = request(served, "POST", "/-/archiver/api/captures", capture, auth)
        assert status == 400 and "screenshot" in body["error"] and "limit" in body["error"]
    assert rows(served.db_path) == [(3,)]
