"""Thumbnails of screenshots: the top of the page, 320 px wide, as a JPEG.

Screenshots are hostile input too (an upload can claim 100000x100000 pixels in a few bytes):
their size is read from the header and checked against MAX_PIXELS / MAX_SIDE before a byte of
image data is inflated, and Pillow's own decompression-bomb guard is set to the same limit.
Only the rows the thumbnail shows are inflated: PNG rows are filtered against the rows above
them only, so the first N rows of the decompressed image data are a valid image of height N
(`crop_top`, which needs no un-filtering). A WebP (the default screenshot) is decoded whole by
Pillow: its size is checked first all the same.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import Image

from archiver.errors import ImageTooLarge, NotAnImage

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
THUMBNAIL_WIDTH = 320
THUMBNAIL_ASPECT = 1.45  # width / height of the cards that show thumbnails
MAX_SIDE = 32_000
MAX_PIXELS = 4000 * 16000  # the largest screenshot a capture takes (4000 x 16000 CSS px)


Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow warns above it, and refuses twice as many


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from the image's header (nothing is inflated)."""
    if data.startswith(SIGNATURE) and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"the image is too large to decode ({exc})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage(f"not an image Pillow can read ({exc})") from exc


def check_size(width: int, height: int) -> None:
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageTooLarge(f"the image is {width}x{height} pixels; the limit is {MAX_SIDE} "
                            f"pixels a side and {MAX_PIXELS:,} pixels in all")


def make_thumbnail(data: bytes) -> bytes:
    """A JPEG of the top of the screenshot `data` (WebP, PNG or JPEG), THUMBNAIL_WIDTH wide (or
    narrower, never enlarged). Raises ImageTooLarge, NotAnImage."""
    width, height = image_size(data)
    check_size(width, height)
    top = round(width / THUMBNAIL_ASPECT)
    if data.startswith(SIGNATURE):
        data = crop_top(data, top, level=1)  # decoded again at once: compress little
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _scaled_jpeg(data, top)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
                Image.DecompressionBombError) as exc:
            raise NotAnImage(f"the image could not be decoded ({exc})") from exc


def _scaled_jpeg(data: bytes, top: int) -> bytes:
    """The top `top` rows of the image, scaled to THUMBNAIL_WIDTH, on white, as a JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        full_width = image.width
        image.draft("RGB", (THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * image.height // image.width))
        ratio = image.width / full_width  # a JPEG may now decode at 1/2, 1/4 or 1/8
        height = max(1, min(image.height, round(top * ratio)))
        scale = min(1.0, THUMBNAIL_WIDTH / image.width)
        size = (max(1, round(image.width * scale)), max(1, round(height * scale)))
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        region = image.crop((0, 0, image.width, height))
        region = region.convert("RGBA" if transparent else "RGB")
    flat = region.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if transparent:
        small, flat = flat, Image.new("RGB", size, "white")
        flat.paste(small, mask=small.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def crop_top(png: bytes, max_height: int, level: int = 6) -> bytes:
    """The top `max_height` rows of `png` (the PNG itself when it is not taller, interlaced
    or not a PNG this understands)."""
    chunks = _chunks(png)
    if chunks is None or b"IHDR" not in {name for name, _ in chunks}:
        return png
    header = next(data for name, data in chunks if name == b"IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if height <= max_height or interlace or colour not in _CHANNELS:
        return png
    stride = 1 + (width * _CHANNELS[colour] * depth + 7) // 8
    pixels = _first_bytes(b"".join(d for n, d in chunks if n == b"IDAT"), stride * max_height)
    new_header = struct.pack(">IIBBBBB", width, max_height, depth, colour, 0, 0, 0)
    kept = [(n, d) for n, d in chunks if n in (b"PLTE", b"tRNS", b"sRGB", b"gAMA")]
    out = [(b"IHDR", new_header), *kept, (b"IDAT", zlib.compress(pixels, level)),
           (b"IEND", b"")]
    return SIGNATURE + b"".join(_chunk(name, data) for name, data in out)


def _first_bytes(compressed: bytes, count: int) -> bytes:
    return zlib.decompressobj().decompress(compressed, count)


def _chunks(png: bytes) -> list[tuple[bytes, bytes]] | None:
    if not png.startswith(SIGNATURE):
        return None
    chunks, pos = [], len(SIGNATURE)
    while pos + 8 <= len(png):
        length, name = struct.unpack(">I4s", png[pos:pos + 8])
        chunks.append((name, png[pos + 8:pos + 8 + length]))
        pos += 12 + length
        if name == b"IEND":
            break
    return chunks


def _chunk(name: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(name + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + name + data + struct.pack(">I", crc)
