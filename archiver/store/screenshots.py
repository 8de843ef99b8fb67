"""Screenshots as stored: their type and size read from the bytes (nothing is decoded).

A capture's screenshot is WebP by default (encoded by Chromium), PNG with `--screenshot-format
png`, JPEG as the browser extension may send it; older archives hold PNGs. The blob keeps the
type its bytes have (`blobs.content_type`), and whoever serves or exports a screenshot asks
`screenshot_type`, which trusts the bytes over the label (before WebP, a JPEG upload was
labelled image/png).
"""

from __future__ import annotations

import struct
from typing import Any

from sqlite_utils import Database

from archiver.store.blobs import put_blob

PNG = b"\x89PNG\r\n\x1a\n"
SCREENSHOT_TYPES = ("image/webp", "image/png", "image/jpeg")
"""What a screenshot may be served as; anything else is served as image/png (as before)."""


def image_type(data: bytes) -> str | None:
    """"image/webp", "image/png" or "image/jpeg" by the bytes' signature, else None."""
    if data.startswith(PNG):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def screenshot_type(data: bytes, stored: str | None = None) -> str:
    """The type to serve a screenshot as: its bytes' own, else the stored label if it is a
    screenshot type, else image/png."""
    found = image_type(data)
    if found:
        return found
    label = (stored or "").split(";")[0].strip().lower()
    return label if label in SCREENSHOT_TYPES else "image/png"


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's, WebP's or JPEG's header, else None."""
    kind = image_type(data)
    if kind == "image/png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return None
    if kind == "image/webp":
        return _webp_size(data)
    if kind == "image/jpeg":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:  # extended: the canvas size, minus one, 24 bits
        return (int.from_bytes(data[24:27], "little") + 1,
                int.from_bytes(data[27:30], "little") + 1)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":  # lossy
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:  # lossless
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


# Start-of-frame markers (baseline, progressive ...), not DHT (C4), JPG (C8) nor DAC (CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        if marker == 0xDA or length < 2:  # the image data starts: no frame header found
            return None
        pos += 2 + length
    return None


def put_screenshot(db: Database, data: bytes) -> dict[str, Any]:
    """Store a screenshot as a blob of its own type; the capture's columns for it."""
    columns: dict[str, Any] = {"screenshot_hash": put_blob(db, data, screenshot_type(data))}
    size = image_size(data)
    if size:
        columns["screenshot_width"], columns["screenshot_height"] = size
    return columns
