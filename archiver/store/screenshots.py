"""Screenshots as stored: their type and size read from the bytes (nothing is decoded), and
`recompress`, which converts an archive's PNG screenshots to WebP and, if asked, repacks its
lossless WebPs (Chromium encodes them quickly, not small) into smaller ones.

A capture's screenshot is WebP by default (encoded by Chromium), or JPEG where the page has
photos, PNG with `--screenshot-format png`, JPEG as the browser extension may send it; older
archives hold PNGs. The blob keeps the type its bytes have (`blobs.content_type`), and whoever
serves or exports a screenshot asks `screenshot_type`, which trusts the bytes over the label
(before WebP, a JPEG upload was labelled image/png).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from archiver.store.blobs import get_blob, put_blob
from archiver.store.connection import write_transaction
from archiver.store.deleting import _referenced

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


# --- recompress -----------------------------------------------------------------------------


@dataclass
class Recompressed:
    """What `recompress` did (or, in a dry run, would do)."""

    screenshots: int = 0  # PNG screenshots converted
    repacked: int = 0  # lossless WebP screenshots repacked (with `lossless_webp`)
    captures: int = 0  # captures that now point at the new images
    bytes_before: int = 0  # the PNGs and WebPs replaced, as stored
    bytes_after: int = 0  # what replaces them
    blobs_deleted: int = 0  # PNGs and WebPs no longer referenced, deleted
    failed: list[str] = field(default_factory=list)  # blob hash: why it was left as it is
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"screenshots": self.screenshots, "repacked": self.repacked,
                "captures": self.captures,
                "bytes_before": self.bytes_before, "bytes_after": self.bytes_after,
                "blobs_deleted": self.blobs_deleted, "failed": self.failed,
                "dry_run": self.dry_run}


def _screenshot_blobs(db: Database, condition: str) -> list[tuple[str, int, bytes]]:
    """(hash, bytes as stored, the first 4 KB) of every screenshot blob that meets the SQL
    `condition` on `b`, the blob."""
    rows = db.execute(
        "SELECT b.hash, length(b.content), substr(b.content, 1, 4096) FROM blobs b "
        "WHERE b.hash IN (SELECT DISTINCT screenshot_hash FROM captures "
        f"WHERE screenshot_hash IS NOT NULL) AND ({condition}) ORDER BY b.hash"
    ).fetchall()
    return [(str(h), int(n or 0), head if isinstance(head, bytes) else b"")
            for h, n, head in rows]


def png_screenshots(db: Database) -> list[tuple[str, int]]:
    """(hash, bytes as stored) of every screenshot blob that is a PNG."""
    found = _screenshot_blobs(db, "b.content_type = 'image/png' OR b.content_type IS NULL")
    return [(key, stored) for key, stored, _ in found]


def lossless_webp_screenshots(db: Database) -> list[tuple[str, int]]:
    """(hash, bytes as stored) of every screenshot blob that is a lossless WebP (what
    Chromium makes of a page of text and drawings)."""
    found = _screenshot_blobs(db, "b.content_type = 'image/webp' AND b.encoding = 'identity'")
    return [(key, stored) for key, stored, head in found if webp_image_chunk(head) == b"VP8L"]


def webp_image_chunk(data: bytes) -> bytes | None:
    """The WebP's image chunk: b"VP8L" (lossless) or b"VP8 " (lossy), after VP8X, ICCP and
    the like; None if `data` (or its start) shows none."""
    if image_type(data) != "image/webp":
        return None
    at = 12
    while at + 8 <= len(data):
        fourcc, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if fourcc in (b"VP8 ", b"VP8L"):
            return fourcc
        at += 8 + size + (size & 1)
    return None


# A lossless screenshot of text and drawings has thousands of colours, nearly all of them the
# antialiased edges of letters and shapes: reduced to a palette of 256, libwebp packs it in
# about half the bytes. Only where the picture stays what it was: the colours' mean change at
# most PALETTE_MEAN_ERROR levels (of 255) and at most PALETTE_OFF_SHARE of the pixels off by
# more than PALETTE_OFF levels (a page of text and figures: 1.2 levels, 0.007 %; a page with
# photos or gradients goes past these and is repacked without a palette).
PALETTE_MEAN_ERROR = 2.0
PALETTE_OFF = 15
PALETTE_OFF_SHARE = 0.001
REPACK_GAIN = 0.9  # a lossless WebP is replaced by its repacked one only if a tenth smaller


def repack_lossless(data: bytes) -> bytes:
    """The lossless screenshot `data` (WebP or PNG) as libwebp's thorough lossless WebP (method
    4; Chromium's is its quickest, method 0), from a palette of at most 256 colours where that
    keeps the picture (see PALETTE_MEAN_ERROR). By Pillow."""
    from PIL import Image, ImageChops  # imported when needed: only recompress converts

    with Image.open(io.BytesIO(data)) as original:
        original.load()
        image: Image.Image = original.convert("RGBA")
    lowest = image.getchannel("A").getextrema()[0]
    alpha = not isinstance(lowest, (int, float)) or lowest < 255
    picture = image if alpha else image.convert("RGB")
    if not alpha:
        palette = picture.quantize(256, method=Image.Quantize.FASTOCTREE,
                                   dither=Image.Dither.NONE)
        counts = ImageChops.difference(picture, palette.convert("RGB")).convert("L").histogram()
        pixels = max(1, sum(counts))
        mean = sum(level * n for level, n in enumerate(counts)) / pixels
        if (mean <= PALETTE_MEAN_ERROR
                and sum(counts[PALETTE_OFF + 1:]) / pixels <= PALETTE_OFF_SHARE):
            picture = palette
    out = io.BytesIO()
    picture.save(out, "WEBP", lossless=True, quality=80, method=4)
    return out.getvalue()


def convert_png(png: bytes, image_format: str = "webp", quality: int = 80,
                scale: float = 1.0) -> bytes:
    """The PNG `png` as JPEG at `quality`, or as WebP: the smaller of lossless and lossy at
    `quality` (a page of text is smaller lossless, one with photos lossy), lossless only at
    quality 100; with `scale` below 1, resized to that share of its width and height first
    (Lanczos). By Pillow (libwebp)."""
    from PIL import Image  # imported when needed: only recompress converts

    with Image.open(io.BytesIO(png)) as original:
        original.load()
        image: Image.Image = original
        if scale < 1:
            size = (max(1, round(original.width * scale)), max(1, round(original.height * scale)))
            image = original.resize(size, Image.Resampling.LANCZOS)
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        if image_format == "jpeg":
            picture = image.convert("RGBA" if alpha else "RGB")
            if alpha:
                flat = Image.new("RGB", picture.size, "white")
                flat.paste(picture, mask=picture.getchannel("A"))
                picture = flat
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=quality, optimize=True)
            return out.getvalue()
        picture = image.convert("RGBA" if alpha else "RGB")
        lossless = io.BytesIO()
        picture.save(lossless, "WEBP", lossless=True, quality=50, method=2)
        if quality >= 100:
            return lossless.getvalue()
        lossy = io.BytesIO()
        picture.save(lossy, "WEBP", quality=quality, method=4)
        return min(lossless.getvalue(), lossy.getvalue(), key=len)


def recompress(db: Database, image_format: str = "webp", quality: int = 80,
               dry_run: bool = False, scale: float = 1.0,
               progress: Callable[[int, int], None] | None = None,
               lossless_webp: bool = False) -> Recompressed:
    """Convert every PNG screenshot to `image_format` at `quality` (one transaction per
    screenshot, so that an interrupted run keeps what it did); the PNGs nothing refers to any
    more are deleted. A PNG that does not convert, or converts to more bytes, stays. `scale`
    below 1 also makes them smaller in pixels (what new captures get by default: 0.75). With
    `lossless_webp`, the lossless WebP screenshots are repacked too (`repack_lossless`), at
    their size, and kept where that is smaller."""
    from archiver.thumbnail import check_size  # the limits thumbnails keep (SECURITY.md 6)

    report = Recompressed(dry_run=dry_run)
    found = [(key, stored, False) for key, stored in png_screenshots(db)]
    if lossless_webp:
        found += [(key, stored, True) for key, stored in lossless_webp_screenshots(db)]
    for done, (key, stored, webp) in enumerate(found, 1):
        try:
            content = get_blob(db, key).content
            size = image_size(content)  # from the header: before a byte is inflated
            if size:
                check_size(*size)
            new = (repack_lossless(content) if webp
                   else convert_png(content, image_format, quality, scale))
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds; keep the picture
            report.failed.append(f"{key}: {type(exc).__name__}: {exc}"[:300])
            continue
        if len(new) >= stored * (REPACK_GAIN if webp else 1):
            report.failed.append(f"{key}: {'a repacked WebP' if webp else image_format} "
                                 "would not be smaller" + (" by a tenth" if webp else ""))
            continue
        if webp:
            report.repacked += 1
        else:
            report.screenshots += 1
        report.bytes_before += stored
        report.bytes_after += len(new)
        report.captures += db.execute("SELECT count(*) FROM captures WHERE screenshot_hash = ?",
                                      [key]).fetchone()[0]
        if not dry_run:
            _replace(db, key, new, report)
        if progress is not None:
            progress(done, len(found))
    return report


def _replace(db: Database, key: str, new: bytes, report: Recompressed) -> None:
    with write_transaction(db):
        columns = put_screenshot(db, new)
        sets = ", ".join(f"{column} = ?" for column in columns)
        db.execute(f"UPDATE captures SET {sets} WHERE screenshot_hash = ?",
                   [*columns.values(), key])
        if not _referenced(db, key):
            db.execute("DELETE FROM blobs WHERE hash = ?", [key])
            report.blobs_deleted += 1
