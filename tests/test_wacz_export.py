"""`archiver export --format wacz | warc`: what other web-archive tools read (py-wacz validates
it, warcio reads every record back, each stored page and resource is there byte for byte), and
the round trip into a fresh archive; `archiver serve` with several archives."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import FixtureServer, LiveServer
from warcio.archiveiterator import ArchiveIterator
from warcs import PNG, archive, html_capture, page_html, resource

from archiver import store
from archiver.cli import cli
from archiver.warc.wacz import export_wacz


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def read_warc(data: bytes) -> list[dict[str, Any]]:
    """Every record, digests checked by warcio (a mismatch raises)."""
    found = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        headers = record.rec_headers
        found.append({
            "type": record.rec_type, "url": headers.get_header("WARC-Target-URI"),
            "date": headers.get_header("WARC-Date"),
            "refers": (headers.get_header("WARC-Refers-To-Target-URI"),
                       headers.get_header("WARC-Refers-To-Date")),
            "http": record.http_headers, "payload": record.content_stream().read()})
    return found


def responses(found: list[dict[str, Any]]) -> dict[tuple[str, str], bytes]:
    """(URL, date) -> payload of each response, revisits resolved to what they refer to."""
    original = {(r["url"], r["date"]): r["payload"] for r in found if r["type"] == "response"}
    resolved = dict(original)
    for r in found:
        if r["type"] == "revisit":
            resolved[(r["url"], r["date"])] = original[r["refers"]]
    return resolved


def test_exported_wacz_validates_and_holds_every_page_and_resource_byte_for_byte(
        db_path: Path, tmp_path: Path) -> None:
    db = archive(db_path)
    out = tmp_path / "out.wacz"
    result = run("export", "--db", str(db_path), "--format", "wacz", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 6 capture(s)" in result.stderr
    assert "3 resource(s) without a stored body left out" in result.stderr
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "the passed WACZ is valid" in check.stdout, check.stdout
    with zipfile.ZipFile(out) as wacz:
        assert wacz.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        found = read_warc(wacz.read("archive/data.warc.gz"))
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode().splitlines()
    payloads = responses(found)
    by_url: dict[str, list[bytes]] = {}
    for (url, _), body in payloads.items():
        by_url.setdefault(url, []).append(body)
    for capture_id, in db.execute("SELECT id FROM captures"):
        for row in store.capture_resources(db, capture_id):
            if row["body_hash"]:
                assert store.resource_body(db, row) in by_url[row["url"]], row["url"]
    assert any(r["type"] == "revisit" for r in found)  # the shared stylesheet
    assert by_url["https://old.example/home"] == [store.get_blob(db, store.get_capture(
        db, 4)["snapshot_hash"]).content]
    assert by_url["https://docs.example/a.pdf"] == [b"%PDF-1.4 tiny"]
    assert "https://light.example/intro.mp4" not in by_url  # its body was not kept
    resources = {r["url"]: r["payload"] for r in found if r["type"] == "resource"}
    assert resources["urn:view:https://light.example/k1"] == PNG
    assert resources["urn:text:https://light.example/k1"].decode() == store.get_capture(
        db, 1)["text"]
    info = json.loads(resources["urn:pageinfo:https://light.example/k1"])
    assert info["urls"]["https://light.example/fonts/f.woff2"]["type"] == "font"
    assert pages[0]["format"] == "json-pages-1.0"
    listed = {p["url"]: p for p in pages[1:]}
    assert listed["https://light.example/k2"]["ts"] == "2026-02-02T08:00:00.000Z"
    assert "winter storm" in listed["https://light.example/k2"]["text"]
    assert listed["https://gone.example/"]["loadState"] == 0
    indexed = {line.split(" ", 2)[1] + " " + json.loads(line.split(" ", 2)[2])["url"]
               for line in index}
    for r in found:
        if r["type"] in ("response", "revisit"):
            stamp = r["date"][:19].replace("-", "").replace(":", "").replace("T", "")
            assert f"{stamp} {r['url']}" in indexed


def test_response_headers_are_the_recorded_ones_for_a_decoded_body(
        db_path: Path, tmp_path: Path) -> None:
    archive(db_path)
    out = tmp_path / "out.warc.gz"
    assert run("export", "--db", str(db_path), "--format", "warc", "-o", str(out)).exit_code == 0
    found = read_warc(out.read_bytes())
    page = next(r for r in found if r["type"] == "response"
                and r["url"] == "https://light.example/keepers/1")
    http = page["http"]
    assert http.get_statuscode() == "200"
    assert [v for k, v in http.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert http.get_header("x-served-by") == "cache-1"
    assert http.get_header("content-encoding") is None  # the body is stored decoded
    assert http.get_header("content-length") == str(len(page_html(1)))
    hop = next(r for r in found if r["url"] == "https://light.example/k1"
               and r["type"] == "response")
    assert (hop["http"].get_statuscode(), hop["http"].get_header("location")) == (
        "301", "https://light.example/keepers/1")
    request = next(r for r in found if r["type"] == "request"
                   and r["url"] == "https://light.example/site.css")
    assert request["http"].get_header("user-agent") == "Test"


SAME_COLUMNS = ("url", "final_url", "status", "http_status", "captured_at", "title", "text",
                "content_type")


def _rows(db: Any) -> dict[str, tuple[Any, ...]]:
    cols = ", ".join(SAME_COLUMNS)
    return {r[0]: r for r in db.execute(f"SELECT {cols} FROM captures")}


def _resources(db: Any) -> set[tuple[Any, ...]]:
    return set(db.execute("SELECT c.url, r.url, r.status, r.body_hash FROM resources r "
                          "JOIN captures c ON c.id = r.capture_id WHERE r.body_hash IS NOT NULL"))


@pytest.mark.parametrize("fmt", ["wacz", "warc"])
def test_round_trip_into_a_fresh_archive_keeps_pages_text_and_resources(
        db_path: Path, tmp_path: Path, fmt: str) -> None:
    db = archive(db_path)
    out = tmp_path / f"out.{fmt}{'.gz' if fmt == 'warc' else ''}"
    assert run("export", "--db", str(db_path), "--format", fmt, "-o", str(out)).exit_code == 0
    fresh_path = tmp_path / "fresh.db"
    result = run("import", str(out), "--db", str(fresh_path), "--no-progress")
    assert "5 saved, 0 skipped as already imported, 1 failed" in result.stderr, result.stderr
    fresh = store.open_db(fresh_path)
    before, after = _rows(db), _rows(fresh)
    # a capture that kept only its DOM is exported (and comes back) under its final URL
    assert set(after) == set(before) - {"https://old.example/"} | {"https://old.example/home"}
    for url, row in before.items():
        if url == "https://old.example/":  # kept only its DOM: exported under its final URL
            assert after["https://old.example/home"][2:-1] == row[2:-1]  # now said UTF-8
            continue
        if row[2] == "failed":
            assert after[url][2] == "failed"
            continue
        assert after[url] == row, url
    assert _resources(db) <= _resources(fresh)
    for url in ("https://light.example/k1", "https://light.example/k3"):
        old, new = (store.get_capture(d, d.execute("SELECT id FROM captures WHERE url = ?",
                                                   [url]).fetchone()[0]) for d in (db, fresh))
        assert new["snapshot_hash"] == old["snapshot_hash"]  # the DOM as shown, not as sent
        assert "Logged by a script" in new["text"]
        assert [dict(f) for f in store.capture_frames(fresh, new["id"])] == [
            dict(f) for f in store.capture_frames(db, old["id"])]
    shot = store.get_capture(fresh, fresh.execute(
        "SELECT id FROM captures WHERE url = 'https://light.example/k1'").fetchone()[0])
    assert store.get_blob(fresh, shot["screenshot_hash"]).content == PNG
    again = run("import", str(out), "--db", str(fresh_path), "--no-progress")
    assert "0 saved, 6 skipped as already imported" in again.stderr


def test_query_and_since_choose_the_captures(db_path: Path, tmp_path: Path) -> None:
    archive(db_path)
    out = tmp_path / "keepers.wacz"
    result = run("export", "--db", str(db_path), "--format", "wacz", "-o", str(out),
                 "--query", "lighthouse", "--since", "2026-02-02")
    assert "Exported 2 capture(s)" in result.stderr, result.output
    with zipfile.ZipFile(out) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
    assert sorted(p["url"] for p in pages) == ["https://light.example/k2",
                                              "https://light.example/k3"]


def test_export_memory_stays_flat_whatever_the_bodies_weigh(db_path: Path,
                                                            tmp_path: Path) -> None:
    """120 pages with a 400 KB (incompressible) image each: 48 MB of bodies, written through
    a few MB of memory."""
    import random

    db = store.open_db(db_path)
    rng = random.Random(5)
    for n in range(120):
        capture = html_capture(1)
        capture.url = capture.final_url = f"https://heavy.example/{n}"
        capture.captured_at = f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}.000Z"
        capture.resources = [resource(capture.url, page_html(n), "text/html", "document"),
                             resource(f"{capture.url}.bin", rng.randbytes(400_000),
                                      "application/octet-stream", "other")]
        store.save_capture(db, capture, None)
    tracemalloc.start()
    try:
        summary = export_wacz(db, tmp_path / "heavy.wacz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.captures == 120 and summary.bytes > 48_000_000
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MB"


def test_a_real_capture_exports_and_imports_with_its_text(
        db_path: Path, tmp_path: Path, server: FixtureServer) -> None:
    url = server.add_page("/wacz/article.html", (Path(__file__).parent / "pages" /
                                                 "article.html").read_bytes())
    saved = run("save", url, "--db", str(db_path), "--no-screenshot", "--timeout", "15")
    assert saved.exit_code == 0, saved.output
    out = tmp_path / "real.wacz"
    assert run("export", "--db", str(db_path), "--format", "wacz", "-o", str(out)).exit_code == 0
    fresh = tmp_path / "fresh.db"
    assert run("import", str(out), "--db", str(fresh), "--no-progress").exit_code == 0
    original = store.get_capture(store.open_db(db_path), 1)
    [copy] = [store.get_capture(store.open_db(fresh), 1)]
    assert copy["text"] == original["text"] and copy["title"] == original["title"]
    assert copy["source"] == "wacz"


def test_serve_several_archives_at_once(db_path: Path, tmp_path: Path,
                                        live_server: Any) -> None:
    import urllib.request

    second = tmp_path / "crawl.db"
    archive(second)
    store.open_db(db_path).close()
    srv: LiveServer = live_server(str(db_path), str(second))
    listed = json.loads(urllib.request.urlopen(srv.url + "/-/databases.json").read())
    assert {d["name"] for d in listed} >= {"archive", "crawl"}
    page = urllib.request.urlopen(srv.url + "/-/archiver/crawl/").read().decode()
    assert "Keeper 3" in page


def test_a_webp_screenshot_is_exported_as_one_and_comes_back(
        db_path: Path, tmp_path: Path) -> None:
    """The screenshot record (`urn:view:`) says what the image is: WebP (the default since
    #30), PNG for older captures; an import of the WACZ keeps it as it was."""
    from PIL import Image
    from warcs import html_capture

    from archiver.save import extract_and_store

    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(image, "WEBP", quality=80)
    webp = image.getvalue()
    db = archive(db_path)
    capture = html_capture(4)
    capture.screenshot = webp
    extract_and_store(db, capture, "cli")
    out = tmp_path / "out.wacz"
    assert run("export", "--db", str(db_path), "--format", "wacz", "-o", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as wacz:
        data = wacz.read("archive/data.warc.gz")
    views = {record.rec_headers.get_header("WARC-Target-URI"):
             (record.rec_headers.get_header("Content-Type"), record.content_stream().read())
             for record in ArchiveIterator(io.BytesIO(data)) if record.rec_type == "resource"}
    assert views[f"urn:view:{capture.url}"] == ("image/webp", webp)
    assert views["urn:view:https://light.example/k1"] == ("image/png", PNG)
    fresh_path = tmp_path / "fresh.db"
    result = run("import", str(out), "--db", str(fresh_path), "--no-progress")
    assert "6 saved" in result.stderr, result.output  # and the failed capture, failed again
    fresh = store.open_db(fresh_path)
    [row] = fresh.execute("SELECT screenshot_hash, screenshot_width, screenshot_height FROM "
                          "captures WHERE url = ?", [capture.url]).fetchall()
    blob = store.get_blob(fresh, row[0])
    assert (blob.content, blob.content_type, row[1], row[2]) == (webp, "image/webp", 64, 48)
