"""The top of a PNG screenshot as a smaller PNG, without an imaging library.

PNG rows are filtered against the rows above them only, so the first N rows of the
decompressed image data are a valid image of height N: cropping needs no un-filtering.
"""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def crop_top(png: bytes, max_height: int) -> bytes:
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
    out = [(b"IHDR", new_header), *kept, (b"IDAT", zlib.compress(pixels, 6)), (b"IEND", b"")]
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
