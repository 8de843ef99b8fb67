"""Screenshots as stored: their type and size read from the bytes of every format, and
`archiver recompress`, which turns an older archive's PNG screenshots into WebP."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FixtureServer
from PIL import Image, ImageChops

from archiver import store
from archiver.cli import cli
from archiver.models import Capture
from archiver.thumbnail import make_thumbnail


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def picture(width: int, height: int, image_format: str, **options: object) -> bytes:
    """A page-like image: lines of dark "text" on white."""
    image = Image.new("RGB", (width, height), "white")
    for y in range(20, height - 20, 24):
        image.paste((34, 34, 34), (40, y, width - 40 - (y * 7) % 200, y + 12))
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


@pytest.mark.parametrize(("image_format", "options", "kind", "chunk"), [
    ("PNG", {}, "image/png", None),
    ("JPEG", {"quality": 80}, "image/jpeg", None),
    ("JPEG", {"quality": 80, "progressive": True}, "image/jpeg", None),
    ("WEBP", {"quality": 80}, "image/webp", b"VP8 "),  # lossy
    ("WEBP", {"lossless": True}, "image/webp", b"VP8L"),
    ("WEBP", {"quality": 80, "icc_profile": b"\0" * 40}, "image/webp", b"VP8 "),  # VP8X first
    ("WEBP", {"lossless": True, "icc_profile": b"\0" * 41}, "image/webp", b"VP8L"),
])
def test_type_and_size_come_from_the_bytes(image_format: str, options: dict[str, object],
                                           kind: str, chunk: bytes | None) -> None:
    data = picture(321, 4567, image_format, **options)
    assert store.image_type(data) == kind
    assert store.image_size(data) == (321, 4567)
    assert store.screenshot_type(data, "image/png") == kind  # the bytes win over a label
    assert store.screenshots.webp_image_chunk(data) == chunk  # lossless or lossy


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


def test_recompress_turns_png_screenshots_into_webp(db_path: Path) -> None:
    """A PNG archive: three captures, two sharing one screenshot, one already WebP. A dry run
    counts and changes nothing; the run converts, points the captures at the WebPs, deletes
    the PNGs, and the screenshots still open (and make thumbnails)."""
    db = store.open_db(db_path)
    shared, own = picture(1280, 3000, "PNG"), picture(1280, 2000, "PNG", compress_level=1)
    webp = picture(1280, 1000, "WEBP", quality=80)
    for n, shot in enumerate((shared, shared, own, webp)):
        store.save_capture(db, Capture(url=f"https://e.org/{n}", html="<p>x</p>",
                                       screenshot=shot, captured_at="2026-01-01"), None)
    pngs = {h for h, _ in store.png_screenshots(db)}
    assert len(pngs) == 2
    before = sum(len(s) for s in (shared, own))

    dry = run("recompress", "--db", str(db_path), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert (planned["screenshots"], planned["captures"], planned["dry_run"]) == (2, 3, True)
    assert planned["bytes_before"] == before and planned["bytes_after"] < before / 3
    assert "Would convert 2 PNG screenshot(s) of 3 capture(s) to webp" in dry.stderr
    assert {h for h, _ in store.png_screenshots(db)} == pngs

    done = run("recompress", "--db", str(db_path), "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["bytes_after"] == planned["bytes_after"] and report["blobs_deleted"] == 2
    assert "Converted 2 PNG screenshot(s)" in done.stderr
    assert "deleted 2 old picture(s)" in done.stderr
    assert store.png_screenshots(db) == []
    assert not any(db.execute("SELECT 1 FROM blobs WHERE hash = ?", [h]).fetchone()
                   for h in pngs)
    rows = db.execute("SELECT id, screenshot_hash, screenshot_width, screenshot_height "
                      "FROM captures ORDER BY id").fetchall()
    assert rows[0][1] == rows[1][1]  # still shared
    for capture_id, key, width, height in rows:
        blob = store.get_blob(db, key)
        assert blob.content_type == "image/webp" and store.image_type(blob.content)
        with Image.open(io.BytesIO(blob.content)) as image:
            assert image.format == "WEBP" and image.size == (width, height)
        assert make_thumbnail(blob.content)[:3] == b"\xff\xd8\xff", capture_id
    with Image.open(io.BytesIO(store.get_blob(db, rows[0][1]).content)) as image:
        assert image.getpixel((640, 5)) == (255, 255, 255)  # the picture, not another
        assert max(image.getpixel((100, 26))) < 90  # a line of "text"
    again = run("recompress", "--db", str(db_path))
    assert "Converted 0 PNG screenshot(s)" in again.stderr


def test_recompress_with_a_scale_makes_the_pictures_smaller_too(db_path: Path) -> None:
    db = store.open_db(db_path)
    shot = picture(1280, 3000, "PNG")
    store.save_capture(db, Capture(url="https://e.org/", html="<p>x</p>", screenshot=shot,
                                   captured_at="2026-01-01"), None)
    done = run("recompress", "--db", str(db_path), "--scale", "0.5")
    assert done.exit_code == 0, done.output
    assert "to webp (quality 80, scale 0.5)" in done.stderr
    [(key, width, height)] = db.execute(
        "SELECT screenshot_hash, screenshot_width, screenshot_height FROM captures").fetchall()
    assert (width, height) == (640, 1500)
    with Image.open(io.BytesIO(store.get_blob(db, key).content)) as image:
        assert image.format == "WEBP" and image.size == (640, 1500)
        assert image.getpixel((320, 2)) == (255, 255, 255)  # the same picture, halved
        assert max(image.getpixel((50, 13))) < 140  # its line of "text", halved
    bad = run("recompress", "--db", str(db_path), "--scale", "3")
    assert bad.exit_code == 2 and "--scale" in bad.output


def test_recompress_repacks_chromiums_lossless_webp(server: FixtureServer, db_path: Path) -> None:
    """A page of text and drawings, saved by Chromium as a lossless WebP: --lossless-webp
    repacks it into fewer bytes at the same size, the picture the same to the eye (no pixel off
    by more than a few levels on average); a second run finds nothing smaller to make."""
    circles = "".join(f"<circle cx='{40 + n * 37 % 500}' cy='{30 + n * 53 % 260}' "
                      f"r='{12 + n % 5 * 9}' fill='hsl({n * 41 % 360}, 60%, 60%)' "
                      "fill-opacity='0.7'/>" for n in range(30))
    words = "<p>Plain words of a long article, in grey on white, set as pages set them.</p>" * 60
    url = server.add_page("/figures", f"<title>Figures</title><article>{words[:3000]}"
                          f"<svg width=600 height=300>{circles}</svg>{words}</article>")
    saved = run("save", url, "--db", str(db_path), "--timeout", "10")
    assert saved.exit_code == 0, saved.output
    db = store.open_db(db_path)
    [(key, width, height)] = db.execute(
        "SELECT screenshot_hash, screenshot_width, screenshot_height FROM captures").fetchall()
    assert [h for h, _ in store.lossless_webp_screenshots(db)] == [key]
    original = store.get_blob(db, key).content

    done = run("recompress", "--db", str(db_path), "--lossless-webp", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["screenshots"], report["repacked"], report["captures"]) == (0, 1, 1)
    assert report["bytes_before"] == len(original) and report["bytes_after"] < len(original) * 0.8
    assert "repacked 1 lossless WebP screenshot(s) of 1 capture(s)" in done.stderr
    [(new_key, new_width, new_height)] = db.execute(
        "SELECT screenshot_hash, screenshot_width, screenshot_height FROM captures").fetchall()
    assert new_key != key and (new_width, new_height) == (width, height)
    assert db.execute("SELECT 1 FROM blobs WHERE hash = ?", [key]).fetchone() is None
    repacked = store.get_blob(db, new_key).content
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(repacked)) as after:
        assert after.format == "WEBP" and after.size == before.size
        counts = ImageChops.difference(before.convert("RGB"),
                                       after.convert("RGB")).convert("L").histogram()
    mean = sum(level * n for level, n in enumerate(counts)) / sum(counts)
    assert mean <= store.screenshots.PALETTE_MEAN_ERROR

    again = run("recompress", "--db", str(db_path), "--lossless-webp", "--json")
    assert json.loads(again.stdout)["repacked"] == 0 and "1 left as they were" in again.stderr


def test_a_photo_is_repacked_without_a_palette(db_path: Path) -> None:
    """Noise (a photo's worth of colours) would change under a palette: it is repacked
    losslessly, every pixel as it was, or left as it was."""
    noise = random.Random(3)
    image = Image.frombytes("RGB", (300, 200), bytes(noise.randrange(256) for _ in range(180000)))
    out = io.BytesIO()
    image.save(out, "WEBP", lossless=True, method=0, quality=0)
    repacked = store.screenshots.repack_lossless(out.getvalue())
    with Image.open(io.BytesIO(repacked)) as again:
        assert again.convert("RGB").tobytes() == image.tobytes()


def test_recompress_leaves_a_screenshot_too_large_to_decode(db_path: Path) -> None:
    """A lossless WebP whose header claims 10,000 x 10,000 pixels (an imported archive's, say:
    more than any capture takes, less than what Pillow itself refuses) is not inflated: it is
    left as it was, with the reason."""
    bits = (10000 - 1) | ((10000 - 1) << 14)
    chunk = b"\x2f" + bits.to_bytes(4, "little") + b"\0" * 32
    bomb = (b"RIFF" + (4 + 8 + len(chunk)).to_bytes(4, "little") + b"WEBP" + b"VP8L"
            + len(chunk).to_bytes(4, "little") + chunk)
    assert store.image_size(bomb) == (10000, 10000)
    db = store.open_db(db_path)
    store.save_capture(db, Capture(url="https://e.org/", html="<p>x</p>", screenshot=bomb,
                                   captured_at="2026-01-01"), None)
    done = run("recompress", "--db", str(db_path), "--lossless-webp", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["repacked"] == 0 and "ImageTooLarge" in report["failed"][0]
    assert "10000x10000 pixels; the limit is" in report["failed"][0]
    [key] = [row[0] for row in db.execute("SELECT screenshot_hash FROM captures")]
    assert store.get_blob(db, key).content == bomb
