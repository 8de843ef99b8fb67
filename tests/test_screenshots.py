"""Screenshots as stored: their type and size read from the bytes of every format."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from archiver import store
from archiver.models import Capture


def picture(width: int, height: int, image_format: str, **options: object) -> bytes:
    """A page-like image: lines of dark "text" on white."""
    image = Image.new("RGB", (width, height), "white")
    for y in range(20, height - 20, 24):
        image.paste((34, 34, 34), (40, y, width - 40 - (y * 7) % 200, y + 12))
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


@pytest.mark.parametrize(("image_format", "options", "kind"), [
    ("PNG", {}, "image/png"),
    ("JPEG", {"quality": 80}, "image/jpeg"),
    ("JPEG", {"quality": 80, "progressive": True}, "image/jpeg"),
    ("WEBP", {"quality": 80}, "image/webp"),  # lossy: VP8
    ("WEBP", {"lossless": True}, "image/webp"),  # VP8L
    ("WEBP", {"quality": 80, "icc_profile": b"\0" * 40}, "image/webp"),  # extended: VP8X
])
def test_type_and_size_come_from_the_bytes(image_format: str, options: dict[str, object],
                                           kind: str) -> None:
    data = picture(321, 4567, image_format, **options)
    assert store.image_type(data) == kind
    assert store.image_size(data) == (321, 4567)
    assert store.screenshot_type(data, "image/png") == kind  # the bytes win over a label


def test_what_is_not_a_screenshot_is_served_as_png() -> None:
    assert store.image_type(b"<svg>") is None and store.image_size(b"GIF89a....") is None
    assert store.screenshot_type(b"<html><script>", "text/html") == "image/png"
    assert store.screenshot_type(b"", "image/webp") == "image/webp"


def test_a_jpeg_upload_is_stored_as_a_jpeg(db_path: Path) -> None:
    db = store.open_db(db_path)
    jpeg = picture(300, 200, "JPEG")
    capture_id = store.save_capture(db, Capture(url="https://e.org/", html="<p>x</p>",
                                                screenshot=jpeg, captured_at="2026-01-01"), None)
    row = store.get_capture(db, capture_id)
    assert store.get_blob(db, row["screenshot_hash"]).content_type == "image/jpeg"
    assert (row["screenshot_width"], row["screenshot_height"]) == (300, 200)
