"""`archiver save`: real Chromium, real pages from a local server, a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from conftest import FixtureServer, Reply, free_port, minimal_pdf

from archiver import store
from archiver.cli import cli

FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30"]


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def rows(db_path: Path, sql: str = "select * from captures order by id") -> list[dict[str, Any]]:
    db = store.open_db(db_path)
    try:
        cursor = db.execute(sql)
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    finally:
        db.close()


def blob(db_path: Path, key: str) -> bytes:
    db = store.open_db(db_path)
    try:
        return store.get_blob(db, key).content
    finally:
        db.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def shot_size(data: bytes) -> tuple[int, int]:
    """Width and height of a stored screenshot (WebP by default, PNG, JPEG)."""
    size = store.image_size(data)
    assert size is not None, f"not an image: {data[:16]!r}"
    return size


def shot_type(db_path: Path, key: str) -> str:
    [row] = rows(db_path, f"select content_type from blobs where hash = '{key}'")
    return str(row["content_type"])


def test_save_article_keeps_look_and_text(server: FixtureServer, db_path: Path) -> None:
    url = server.url("/article.html")
    result = run("save", url, "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    capture_id, title = result.stdout.strip().split("\t")
    assert capture_id == "1"
    assert "Lighthouse Keepers of Skerryvore" in title

    [row] = rows(db_path)
    assert row["status"] == "ok" and row["error"] is None
    assert row["url"] == url and row["final_url"] == url
    assert row["http_status"] == 200
    assert row["content_type"].startswith("text/html")
    assert json.loads(row["headers"])["content-type"].startswith("text/html")
    assert row["source"] == "cli"
    assert row["browser_version"] and row["duration_ms"] > 0
    assert row["captured_at"].endswith("Z")
    # what it said: the article, including text that only the page's script wrote
    assert "Campbell family kept the light" in row["text"]
    assert "PELICAN-7731" in row["text"]
    assert "Sport" not in row["text"]  # the nav menu is not the article
    assert row["word_count"] > 80
    assert row["lang"] == "en"
    assert row["byline"] and "Morag Campbell" in row["byline"]
    assert row["published"].startswith("2024-03-14")
    assert "<p>" in row["html"] and "<script" not in row["html"]
    # what it looked like: the rendered DOM and a full-page screenshot, a WebP by default
    snapshot = blob(db_path, row["snapshot_hash"]).decode()
    assert "PELICAN-7731" in snapshot and "<nav>" in snapshot
    shot = blob(db_path, row["screenshot_hash"])
    assert is_webp(shot) and shot_type(db_path, row["screenshot_hash"]) == "image/webp"
    width, height = shot_size(shot)
    assert width == 960 and height >= 600  # drawn at 0.75 of the 1280 px viewport by default
    assert (row["screenshot_width"], row["screenshot_height"]) == (width, height)
    [page] = rows(db_path, "select * from pages")
    assert page["url"] == url and page["site"] == "127.0.0.1"


def test_saving_again_adds_a_capture_and_stores_content_once(
    server: FixtureServer, db_path: Path
) -> None:
    url = server.url("/article.html")
    for _ in range(2):
        assert run("save", url + "#section", "--db", str(db_path), *FAST).exit_code == 0
    captures = rows(db_path)
    assert len(captures) == 2
    assert captures[0]["page_id"] == captures[1]["page_id"]
    assert captures[0]["snapshot_hash"] == captures[1]["snapshot_hash"]
    assert len(rows(db_path, "select * from pages")) == 1
    [blobs] = rows(db_path, "select count(*) as n from blobs")
    assert blobs["n"] == 3  # snapshot, screenshot, the page as served: once each
    [snapshot] = rows(db_path, "select b.* from blobs b join captures c "
                               "on b.hash = c.snapshot_hash limit 1")
    assert snapshot["encoding"] == "zlib" and len(snapshot["content"]) < snapshot["size"]


def test_redirect_is_followed_and_recorded(server: FixtureServer, db_path: Path) -> None:
    target = server.url("/article.html")
    url = server.add("/moved", Reply(status=302, headers={"Location": "/article.html"}))
    assert run("save", url, "--db", str(db_path), *FAST).exit_code == 0
    [row] = rows(db_path)
    assert row["url"] == url and row["final_url"] == target and row["status"] == "ok"
    assert "PELICAN-7731" in row["text"]


def test_failures_are_recorded_and_other_urls_still_saved(
    server: FixtureServer, db_path: Path
) -> None:
    missing = server.add_page("/gone", "<h1>Gone</h1>", status=404)
    broken = server.add_page("/broken", "<h1>Oops</h1>", status=500)
    refused = f"http://127.0.0.1:{free_port()}/"
    good = server.url("/article.html")
    result = run("save", missing, broken, refused, good, "--db", str(db_path), *FAST)
    assert result.exit_code == 1
    assert "Done: 1 saved, 0 skipped as already archived, 3 failed." in result.stderr
    assert "      1  the server answered HTTP 404" in result.stderr
    assert f"failed: {refused}: connection refused" in result.stderr
    by_url = {r["url"]: r for r in rows(db_path)}
    assert by_url[good]["status"] == "ok"
    assert by_url[missing]["status"] == "failed" and "HTTP 404" in by_url[missing]["error"]
    assert by_url[broken]["status"] == "failed" and "HTTP 500" in by_url[broken]["error"]
    assert by_url[refused]["status"] == "failed"
    assert "connection refused" in by_url[refused]["error"]


def test_unresolvable_host_is_a_clear_failure(db_path: Path) -> None:
    result = run("save", "http://no-such-host.invalid/", "--db", str(db_path), *FAST)
    assert result.exit_code == 1
    [row] = rows(db_path)
    assert row["status"] == "failed" and "DNS lookup failed" in row["error"]


def test_page_whose_image_never_answers_is_archived_as_partial(
    server: FixtureServer, db_path: Path
) -> None:
    server.add("/never.png", Reply(hang=True))
    url = server.add_page(
        "/hanging-image",
        "<html><head><title>Slow image</title></head><body><article><h1>Slow image</h1>"
        "<p>This paragraph is here even though the picture below never arrives. " * 5
        + "</p><img src='/never.png'></article></body></html>",
    )
    result = run("save", url, "--db", str(db_path), "--request-timeout", "1",
                 "--page-deadline", "20")
    assert result.exit_code == 0, result.output
    [row] = rows(db_path)
    assert row["status"] == "partial"
    assert "never.png" in row["error"] and "did not answer" in row["error"]
    assert "picture below never arrives" in row["text"]
    assert row["screenshot_hash"] and row["snapshot_hash"]


def test_page_that_never_answers_fails_within_the_timeout(
    server: FixtureServer, db_path: Path
) -> None:
    url = server.add("/hang-document", Reply(hang=True))
    result = run("save", url, "--db", str(db_path), "--timeout", "2", "--page-deadline", "10")
    assert result.exit_code == 1
    [row] = rows(db_path)
    assert row["status"] == "failed" and "did not answer within 2 s" in row["error"]


def test_pdf_is_stored_as_pdf_not_extracted(server: FixtureServer, db_path: Path) -> None:
    pdf = minimal_pdf("Quarterly report")
    url = server.add("/report.pdf", Reply(body=pdf, content_type="application/pdf"))
    result = run("save", url, "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    [row] = rows(db_path)
    assert row["content_type"] == "application/pdf"
    assert blob(db_path, row["body_hash"]) == pdf
    assert row["html"] is None and row["extraction_error"] is None
    assert row["snapshot_hash"] is None
    assert row["title"] == "report.pdf"


def test_plain_text_and_json_are_kept_as_text(server: FixtureServer, db_path: Path) -> None:
    text_url = server.add("/notes.txt", Reply(body=b"Plain notes about otters.\n",
                                             content_type="text/plain; charset=utf-8"))
    json_url = server.add("/data.json", Reply(body=b'{"animal": "badger"}',
                                             content_type="application/json"))
    assert run("save", text_url, json_url, "--db", str(db_path), *FAST).exit_code == 0
    by_url = {r["url"]: r for r in rows(db_path)}
    assert by_url[text_url]["text"].strip() == "Plain notes about otters."
    assert blob(db_path, by_url[text_url]["body_hash"]) == b"Plain notes about otters.\n"
    assert '"animal": "badger"' in by_url[json_url]["text"]
    assert by_url[json_url]["html"] is None


RUSSIAN = "Московский метрополитен открыт в 1935 году и славится своими станциями."
JAPANESE = "東京タワーは一九五八年に完成した電波塔で、高さは三百三十三メートルです。"


def _legacy_page(title: str, text: str, charset: str, declared: str) -> bytes:
    html = (f'<html><head><meta charset="{declared}"><title>{title}</title></head><body>'
            f"<article><h1>{title}</h1>" + f"<p>{text}</p>" * 4 + "</article></body></html>")
    return html.encode(charset)


def test_legacy_charsets_are_decoded(server: FixtureServer, db_path: Path) -> None:
    ru = server.add("/cp1251", Reply(body=_legacy_page("Метро", RUSSIAN, "cp1251", "windows-1251"),
                                     content_type="text/html"))
    ja_page = _legacy_page("東京タワー", JAPANESE, "shift_jis", "Shift_JIS")
    ja = server.add("/sjis", Reply(body=ja_page, content_type="text/html"))
    assert run("save", ru, ja, "--db", str(db_path), *FAST).exit_code == 0
    by_url = {r["url"]: r for r in rows(db_path)}
    assert RUSSIAN in by_url[ru]["text"] and by_url[ru]["title"] == "Метро"
    assert JAPANESE in by_url[ja]["text"]
    snapshot = blob(db_path, by_url[ja]["snapshot_hash"]).decode("utf-8")
    assert JAPANESE in snapshot and 'charset="utf-8"' in snapshot


def test_urls_from_stdin_and_json_output(server: FixtureServer, db_path: Path) -> None:
    urls = f"# my list\n\n{server.url('/article.html')}\nnot a url at all\n"
    result = run("save", "-", "--json", "--db", str(db_path), *FAST, input=urls)
    assert result.exit_code == 1  # the bad line counts as a failure
    assert "skipped: 'https://not a url at all' contains spaces" in result.stderr
    records = [json.loads(line) for line in result.stdout.strip().splitlines()]
    [record] = [r for r in records if r["status"] == "ok"]
    [bad] = [r for r in records if r["status"] == "failed"]
    assert bad == {"id": None, "url": "not a url at all", "title": None, "status": "failed",
                      "error": "'https://not a url at all' contains spaces; is it really a URL?"}
    assert record["id"] == 1 and record["status"] == "ok"
    assert record["url"] == server.url("/article.html")
    assert "Lighthouse" in record["title"]


def test_show_writes_what_was_stored(server: FixtureServer, db_path: Path, tmp_path: Path) -> None:
    assert run("save", server.url("/article.html"), "--db", str(db_path), *FAST).exit_code == 0
    shot, html = tmp_path / "shot.webp", tmp_path / "page.html"
    result = run("show", "1", "--db", str(db_path), "--screenshot", str(shot), "--html", str(html))
    assert result.exit_code == 0, result.output
    assert is_webp(shot.read_bytes()) and shot_size(shot.read_bytes())[0] == 960
    assert "PELICAN-7731" in html.read_text()
    shown = run("show", "1", "--db", str(db_path))
    assert "status:          ok" in shown.stdout and "Campbell family" in shown.stdout
    record = json.loads(run("show", "1", "--json", "--db", str(db_path)).stdout)
    assert record["id"] == 1 and record["status"] == "ok"
    missing = run("show", "99", "--db", str(db_path))
    assert missing.exit_code == 1 and "There is no capture 99" in missing.stderr
    no_body = run("show", "1", "--db", str(db_path), "--body", str(tmp_path / "x"))
    assert no_body.exit_code == 1 and "has no response body" in no_body.stderr


def test_a_missing_browser_is_a_clear_error(server: FixtureServer, db_path: Path) -> None:
    result = run("save", server.url("/article.html"), "--db", str(db_path),
                 "--browser", "/nonexistent/chromium")
    assert result.exit_code == 1
    assert "does not exist" in result.stderr and "apt-get install chromium" in result.stderr
    assert rows(db_path) == []


def test_screenshot_formats(server: FixtureServer, db_path: Path) -> None:
    """WebP by default; --screenshot-format png keeps lossless PNGs (--compact-screenshots:
    smaller ones), jpeg makes JPEGs; each stored as what it is, with its size, the same page
    the same size in every format."""
    paragraphs = "".join(f"<p style='color:hsl({n * 7}, 60%, 30%)'>Paragraph {n} of a tall "
                         "page, in its own colour.</p>" for n in range(120))
    url = server.add_page("/tall", f"<title>Tall</title><article>{paragraphs}</article>")
    assert run("save", url, "--db", str(db_path), *FAST).exit_code == 0
    for options in (["--screenshot-format", "png"],
                    ["--screenshot-format", "png", "--compact-screenshots"],
                    ["--screenshot-format", "jpeg", "--screenshot-quality", "70"]):
        result = run("save", url, "--recapture", *options, "--db", str(db_path), *FAST)
        assert result.exit_code == 0, result.output
    captured = rows(db_path)
    webp, fast, compact, jpeg = (blob(db_path, row["screenshot_hash"]) for row in captured)
    types = [shot_type(db_path, row["screenshot_hash"]) for row in captured]
    assert types == ["image/webp", "image/png", "image/png", "image/jpeg"]
    assert is_webp(webp) and jpeg[:3] == b"\xff\xd8\xff"
    assert png_size(fast) == png_size(compact) == shot_size(webp) == shot_size(jpeg)
    assert all((row["screenshot_width"], row["screenshot_height"]) == png_size(fast)
               for row in captured)
    assert png_size(fast)[1] > 3000  # the whole page, not the viewport
    assert len(compact) < len(fast)
    assert len(webp) < len(compact) / 2


def webp_chunk(data: bytes) -> bytes | None:
    """A WebP's image chunk: b"VP8 " lossy, b"VP8L" lossless (after VP8X and the like)."""
    assert is_webp(data), f"not a WebP: {data[:16]!r}"
    return store.screenshots.webp_image_chunk(data)


def test_default_screenshot_encoding_follows_the_page(server: FixtureServer,
                                                      db_path: Path) -> None:
    """By default a page of grey text is a lossless WebP, a page with a photo a JPEG (Chromium
    encodes it in a third of the CPU of a lossy WebP) and a page of coloured text a lossy WebP;
    --screenshot-format webp keeps the photo's page a lossy WebP."""
    import io
    import random

    from PIL import Image

    noise = random.Random(7)
    photo = Image.frombytes("RGB", (600, 400), bytes(noise.randrange(256) for _ in range(720000)))
    out = io.BytesIO()
    photo.save(out, "PNG")
    server.add("/photo.png", Reply(body=out.getvalue(), content_type="image/png"))
    words = "<p>Grey words of a page that is mostly text, set in the usual way.</p>" * 30
    grey = server.add_page("/grey", f"<title>Grey</title><article>{words}</article>")
    with_photo = server.add_page("/with-photo", "<title>Photo</title><article>"
                                 f"<img src='/photo.png' width=600 height=400>{words}</article>")
    hues = "".join(f"<p style='color:hsl({n * 9}, 70%, 35%)'>Words in a colour of their own.</p>"
                   for n in range(40))
    coloured = server.add_page("/hues", f"<title>Hues</title><article>{hues}</article>")
    for url, options in ((grey, []), (with_photo, []), (coloured, []),
                         (with_photo, ["--screenshot-format", "webp"])):
        result = run("save", url, "--recapture", *options, "--db", str(db_path), *FAST)
        assert result.exit_code == 0, result.output
    shots = [blob(db_path, row["screenshot_hash"]) for row in rows(db_path)]
    assert [shot_type(db_path, row["screenshot_hash"]) for row in rows(db_path)] == [
        "image/webp", "image/jpeg", "image/webp", "image/webp"]
    assert webp_chunk(shots[0]) == b"VP8L" and shots[1][:3] == b"\xff\xd8\xff"
    assert webp_chunk(shots[2]) == b"VP8 " and webp_chunk(shots[3]) == b"VP8 "
    assert shot_size(shots[1]) == shot_size(shots[3])  # the same page, the same picture size


def test_very_tall_page_is_cut_at_16000_px(server: FixtureServer, db_path: Path) -> None:
    url = server.add_page("/very-tall", "<title>Very tall</title><body style='margin:0'>"
                          "<p>top of a very tall page</p><div style='height:30000px; "
                          "background:linear-gradient(#fff, #036)'></div></body>")
    result = run("save", url, "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    result = run("save", url, "--db", str(db_path), "--screenshot-scale", "1", *FAST)
    assert result.exit_code == 0, result.output
    default, full_size = rows(db_path)
    # 16,000 CSS pixels, drawn at 0.75 by default, at full size with --screenshot-scale 1
    assert shot_size(blob(db_path, default["screenshot_hash"])) == (960, 12000)
    assert shot_size(blob(db_path, full_size["screenshot_hash"])) == (1280, 16000)
    assert "top of a very tall page" in default["text"]


def test_screenshot_scale_draws_the_page_smaller_and_refuses_nonsense(
    server: FixtureServer, db_path: Path
) -> None:
    url = server.url("/article.html")
    sizes = {}
    for scale in ("1", "0.5"):
        result = run("save", url, "--db", str(db_path), "--screenshot-scale", scale, *FAST)
        assert result.exit_code == 0, result.output
        row = rows(db_path)[-1]
        shot = blob(db_path, row["screenshot_hash"])
        sizes[scale] = (shot_size(shot), len(shot))
    (full_w, full_h), full_bytes = sizes["1"]
    (half_w, half_h), half_bytes = sizes["0.5"]
    assert full_w == 1280 and half_w == 640 and abs(half_h - full_h / 2) <= 1
    assert half_bytes < full_bytes * 0.6
    result = run("save", url, "--db", str(db_path), "--screenshot-scale", "2", *FAST)
    assert result.exit_code == 2 and "--screenshot-scale" in result.output
    assert "0.25<=x<=1.0" in result.output or "between 0.25 and 1.0" in result.output
    assert len(rows(db_path)) == 2


def test_page_that_fakes_its_own_size_still_gets_a_whole_screenshot(
    server: FixtureServer, db_path: Path
) -> None:
    paragraphs = "".join(f"<p>Paragraph {n} of a page that lies.</p>" for n in range(80))
    url = server.add_page("/liar", (
        "<title>Liar</title><script>Math.max = () => NaN; Array.prototype.sort = null;"
        "for (const name of ['scrollHeight', 'scrollWidth']) Object.defineProperty("
        "Element.prototype, name, {get() { return 1e308 * 10; }});</script>"
        f"<article>{paragraphs}</article>"))
    result = run("save", url, "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    [row] = rows(db_path)
    assert row["status"] == "ok", row["error"]
    width, height = shot_size(blob(db_path, row["screenshot_hash"]))
    assert width == 960 and 1500 < height < 12000  # 0.75 of the CSS pixels


def test_lazy_images_below_the_fold_are_not_reported_as_late(
    server: FixtureServer, db_path: Path
) -> None:
    server.add("/late.png", Reply(hang=True))
    lazy = "".join(f"<img loading=lazy src='/lazy-{n}.png' width=100 height=100>" for n in range(3))
    url = server.add_page("/lazy", "<title>Lazy</title><p>top</p><img src='/late.png'>"
                          f"<div style='height:20000px'></div>{lazy}")
    result = run("save", url, "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    [row] = rows(db_path)
    assert row["status"] == "partial"
    assert "late.png" in row["error"] and "lazy-" not in row["error"]


def test_animations_are_shown_finished_in_the_screenshot(
    server: FixtureServer, db_path: Path
) -> None:
    """A block that fades in over a minute is in the screenshot as it ends: opaque red."""
    url = server.add_page("/fade-in", (
        "<title>Fade</title><style>@keyframes in { from { opacity: 0 } to { opacity: 1 } }"
        "#box { animation: in 60s linear; background: rgb(255, 0, 0); width: 400px; "
        "height: 300px; margin: 0 }</style><body style='margin:0'><div id=box></div>"))
    result = run("save", url, "--db", str(db_path), *FAST)
    assert result.exit_code == 0, result.output
    [row] = rows(db_path)
    red = pixel(blob(db_path, row["screenshot_hash"]), 200, 150)  # a WebP: lossy, nearly
    assert all(abs(a - b) <= 4 for a, b in zip(red, [255, 0, 0, 255], strict=True)), red


def pixel(png: bytes, x: int, y: int) -> list[int]:
    """The RGBA of one pixel of a PNG, WebP or JPEG, decoded by Chromium."""
    import asyncio
    import base64

    from playwright.async_api import async_playwright

    from archiver.capture import chromium_for

    async def decode() -> list[int]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_for(pw))
            page = await browser.new_page()
            rgba = await page.evaluate("""async ([data, x, y]) => {
              const blob = await (await fetch('data:image/png;base64,' + data)).blob();
              const bitmap = await createImageBitmap(blob);
              const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
              const context = canvas.getContext('2d');
              context.drawImage(bitmap, 0, 0);
              return [...context.getImageData(x, y, 1, 1).data];
            }""", [base64.b64encode(png).decode(), x, y])
            await browser.close()
            return list(rgba)

    return asyncio.run(decode())
