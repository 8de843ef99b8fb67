"""`archiver import FILE.wacz | FILE.warc[.gz]`: files made by other tools (Browsertrix Crawler,
py-wacz, a browser recording with revisits), damaged files, hostile ones, re-imports."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from warcio.archiveiterator import ArchiveIterator
from warcs import (
    BROWSERTRIX,
    IANA,
    PY_WACZ,
    Response,
    edit_record,
    find,
    flip_payload_byte,
    records_of,
    shift_length,
    wacz_file,
    warc_file,
)

from archiver import store
from archiver.cli import cli
from archiver.warc import refs


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def imported(db_path: Path, file: Path, *args: str) -> Result:
    return run("import", str(file), "--db", str(db_path), "--no-progress", *args)


def captures(db_path: Path) -> dict[str, dict[str, Any]]:
    db = store.open_db(db_path)
    rows = [store.get_capture(db, r[0]) for r in db.execute("SELECT id FROM captures")]
    return {row["url"]: row for row in rows}


def body_of(db_path: Path, capture_id: int, url: str) -> bytes | None:
    db = store.open_db(db_path)
    row = store.resource_by_url(db, capture_id, url)
    return store.resource_body(db, row) if row else None


def payload(warc: Path, url: str, kind: str = "response") -> bytes:
    """The payload of a record as warcio reads it (Content-Encoding undone)."""
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == kind and record.rec_headers.get_header("WARC-Target-URI") == url:
                return bytes(record.content_stream().read())
    raise AssertionError(f"no {kind} record for {url}")


def test_browsertrix_crawl_imports_with_text_time_status_and_the_failed_page(
        db_path: Path, tmp_path: Path) -> None:
    result = imported(db_path, BROWSERTRIX)
    assert "2 pages (from its page list)" in result.stderr
    assert result.exit_code == 1  # one page failed in the crawl, as for any import
    found = captures(db_path)
    page = found["https://example.com/"]
    assert (page["status"], page["source"], page["http_status"]) == ("ok", "wacz", 200)
    assert page["captured_at"] == "2023-10-06T18:54:10.000Z"
    assert page["final_url"] == "https://example.com/"
    assert json.loads(page["headers"])["content-type"] == "text/html; charset=UTF-8"
    assert page["title"] == "Example Domain"
    assert "illustrative examples" in page["text"]
    # the page's document is stored decoded (the record holds it gzip-encoded)
    with zipfile.ZipFile(BROWSERTRIX) as wacz:
        warc = tmp_path / "rec.warc.gz"
        warc.write_bytes(wacz.read(
            "archive/rec-20231006185409984249-5188c8f5bc62.warc.gz"))
    assert body_of(db_path, page["id"], "https://example.com/") == payload(
        warc, "https://example.com/")
    failed = found["https://example.com/hello-world"]
    assert failed["status"] == "failed"
    assert failed["error"].startswith("the crawl did not load this page (loadState 1")
    assert "HTTP 404" in failed["error"]
    hits = store.search_captures(store.open_db(db_path), "illustrative")
    assert [h["url"] for h in hits][:1] == ["https://example.com/"]


def test_py_wacz_example_with_an_uncompressed_warc(db_path: Path) -> None:
    result = imported(db_path, PY_WACZ, "--tag", "py-wacz")
    assert result.exit_code == 0, result.output
    [page] = captures(db_path).values()
    assert (page["url"], page["title"], page["captured_at"]) == (
        "http://www.example.com/", "Example Domain", "2020-10-07T21:22:36.000Z")
    assert store.page_tags(store.open_db(db_path), page["page_id"]) == ["py-wacz"]


def test_browser_recording_pages_redirects_and_revisits_resolve(db_path: Path) -> None:
    result = imported(db_path, IANA)
    assert result.exit_code == 0, result.output
    assert "6 pages (from its documents)" in result.stderr
    found = captures(db_path)
    assert set(found) == {
        "https://example.com/", "https://www.iana.org/domains/example",
        "https://www.iana.org/domains", "https://www.iana.org/numbers",
        "https://www.iana.org/protocols", "https://www.iana.org/about"}
    redirected = found["https://www.iana.org/domains/example"]
    assert redirected["final_url"] == "https://www.iana.org/domains/reserved"
    hops = [(r["url"], r["status"]) for r in store.capture_resources(
        store.open_db(db_path), redirected["id"])][:3]
    assert hops == [("https://www.iana.org/domains/example", 301),
                    ("http://www.iana.org/domains/reserved", 307),
                    ("https://www.iana.org/domains/reserved", 200)]
    # /about was recorded last: its stylesheet and fonts are revisit records of the first
    about = found["https://www.iana.org/about"]
    for url in ("https://www.iana.org/_css/2015.1/screen.css",
                "https://www.iana.org/_img/2015.1/fonts/NotoSans-Regular.woff"):
        assert body_of(db_path, about["id"], url) == payload(IANA, url), url


def test_every_resource_a_page_refers_to_is_stored_under_that_url(db_path: Path) -> None:
    """What replay looks up: (capture, URL as the page refers to it) -> a body, for every
    reference the archive has a 200 response for (fonts referred to by stylesheets too)."""
    imported(db_path, IANA)
    db = store.open_db(db_path)
    recorded = {r.url for r in records_of(IANA) if r.type in ("response", "revisit")}
    checked = 0
    for page in captures(db_path).values():
        snapshot = store.get_blob(db, page["snapshot_hash"]).content.decode()
        wanted = [u for u in refs.html_refs(snapshot, page["final_url"]) if u in recorded]
        checked += len(wanted)
        for url in wanted:
            row = store.resource_by_url(db, page["id"], url)
            assert row is not None and row["body_hash"], (page["url"], url)
        for css in [u for u in wanted if u.endswith(".css")]:
            text = body_of(db_path, page["id"], css) or b""
            for font in refs.css_refs(text.decode(), css):
                if font in recorded:
                    assert store.resource_by_url(db, page["id"], font) is not None, font
    assert checked >= 5 * 6  # five iana.org pages, each with its stylesheets, scripts, logo


def test_importing_the_same_file_again_adds_nothing(db_path: Path) -> None:
    imported(db_path, IANA)
    first = store.open_db(db_path).execute(
        "SELECT count(*), (SELECT count(*) FROM resources) FROM captures").fetchone()
    again = imported(db_path, IANA)
    assert again.exit_code == 0
    assert "0 saved, 6 skipped as already imported, 0 failed" in again.stderr
    assert store.open_db(db_path).execute(
        "SELECT count(*), (SELECT count(*) FROM resources) FROM captures").fetchone() == first


def _damaged(tmp_path: Path, how: str) -> Path:
    data = IANA.read_bytes()
    about = find(records_of(IANA), "https://www.iana.org/about")
    if how == "truncated gzip member":
        cut = about.offset + about.length // 2
        damaged = data[:cut] + data[about.offset + about.length:]
    elif how == "bad digest":
        damaged = edit_record(data, about, flip_payload_byte)
    elif how == "length too short":
        damaged = edit_record(data, about, shift_length(-50))
    elif how == "length too long":
        damaged = edit_record(data, about, shift_length(+50))
    else:
        raise AssertionError(how)
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(damaged)
    return path


@pytest.mark.parametrize("how", ["truncated gzip member", "bad digest", "length too short",
                                 "length too long"])
def test_a_damaged_record_is_named_with_its_offset_and_the_rest_imports(
        db_path: Path, tmp_path: Path, how: str) -> None:
    path = _damaged(tmp_path, how)
    offset = find(records_of(IANA), "https://www.iana.org/about").offset
    result = imported(db_path, path)
    assert result.exit_code == 1
    assert f"bad record: damaged.warc.gz: record at offset {offset}: " in result.stderr
    assert "5 saved, 0 skipped as already imported, 0 failed, 1 bad record(s)" in result.stderr
    found = captures(db_path)
    assert "https://www.iana.org/about" not in found  # nothing of it stored half-way
    assert len(found) == 5


def test_a_plain_warc_with_a_wrong_content_length_loses_only_that_record(
        db_path: Path, tmp_path: Path) -> None:
    pages = [Response(f"https://site.example/{n}", f"<title>Page {n}</title><p>Text {n} "
                      f"about lighthouses.</p>".encode(), date=f"2026-03-01T10:0{n}:00Z")
             for n in range(3)]
    plain = warc_file(tmp_path / "plain.warc", pages, gzip_members=False)
    middle = find(records_of(plain), "https://site.example/1")
    data = plain.read_bytes()
    record = data[middle.offset:middle.offset + middle.length]
    edited = shift_length(+30)(record)
    (tmp_path / "bad.warc").write_bytes(data[:middle.offset] + edited
                                        + data[middle.offset + middle.length:])
    result = imported(db_path, tmp_path / "bad.warc")
    assert f"bad.warc: record at offset {middle.offset}: " in result.stderr
    assert set(captures(db_path)) == {"https://site.example/0", "https://site.example/2"}


def test_a_cut_wacz_is_a_clear_error(db_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.wacz"
    cut.write_bytes(BROWSERTRIX.read_bytes()[:-300])
    result = imported(db_path, cut)
    assert result.exit_code == 1
    assert "cut.wacz: not a readable ZIP file" in result.stderr
    assert not captures(db_path)


def test_a_zip_bomb_page_list_is_refused(db_path: Path, tmp_path: Path) -> None:
    warc = warc_file(tmp_path / "a.warc.gz", [Response("https://a.example/", b"<p>a</p>")])
    bomb = b'{"format": "json-pages-1.0"}\n' + b" " * 50_000_000 + b"\n"
    path = tmp_path / "bomb.wacz"
    wacz_file(path, warc, [])
    with zipfile.ZipFile(path, "a") as wacz:
        wacz.writestr("pages/extraPages.jsonl", bomb, compress_type=zipfile.ZIP_DEFLATED)
    result = imported(db_path, path)
    assert result.exit_code == 1
    assert "refused as a possible ZIP bomb" in result.stderr


def test_a_gzip_bomb_resource_is_not_inflated_past_the_limit(
        db_path: Path, tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * 80_000_000, 9)  # 80 MB from about 80 KB
    page = Response("https://bomb.example/", b'<title>Bomb</title><p>Words.</p>'
                    b'<img src="/zeros.png">')
    image = Response("https://bomb.example/zeros.png", bomb, content_type="image/png",
                     headers=[("Content-Encoding", "gzip")], dest="image",
                     date="2026-03-01T10:00:01Z")
    result = imported(db_path, warc_file(tmp_path / "bomb.warc.gz", [page, image]))
    assert result.exit_code == 0, result.output
    [capture] = captures(db_path).values()
    row = store.resource_by_url(store.open_db(db_path), capture["id"],
                                "https://bomb.example/zeros.png")
    assert row is not None and row["body_hash"] is None
    assert row["skipped"] == "too large" and "inflates to more than" in row["detail"]


def test_a_page_list_line_that_is_not_a_page_is_reported_and_the_rest_imports(
        db_path: Path, tmp_path: Path) -> None:
    warc = warc_file(tmp_path / "a.warc.gz", [Response("https://a.example/", b"<p>a</p>")])
    path = wacz_file(tmp_path / "a.wacz", warc, [{"url": "https://a.example/",
                                                  "ts": "2026-03-01T10:00:00Z"}])
    with zipfile.ZipFile(path, "a") as wacz:
        wacz.writestr("pages/extraPages.jsonl", '{"url": "javascript:alert(1)"}\n'
                      + "[" * 100_000 + "\n")
    result = imported(db_path, path)
    assert "extraPages.jsonl: line 1 has no http(s) URL" in result.stderr
    assert "extraPages.jsonl: line 2 is not JSON" in result.stderr
    assert set(captures(db_path)) == {"https://a.example/"}


@pytest.mark.parametrize(("body", "content_type", "expected"), [
    ("<meta charset='windows-1252'><title>Café</title><p>Crème brûlée, déjà vu.</p>",
     "text/html", "Crème brûlée"),
    ("<title>Café</title><p>Crème brûlée, déjà vu.</p>", "text/html; charset=iso-8859-1",
     "Crème brûlée"),
    ("\ufeff<title>Café</title><p>Crème brûlée, déjà vu.</p>", "text/html", "Crème brûlée"),
])
def test_archived_html_is_decoded_as_a_browser_decodes_it(
        db_path: Path, tmp_path: Path, body: str, content_type: str, expected: str) -> None:
    encoding = "utf-8" if body.startswith("\ufeff") else "cp1252"
    page = Response("https://cafe.example/", body.encode(encoding), content_type=content_type)
    imported(db_path, warc_file(tmp_path / "cafe.warc.gz", [page]))
    [capture] = captures(db_path).values()
    assert capture["title"] == "Café"
    assert expected in capture["text"]


def test_a_file_that_is_no_web_archive_is_a_clear_error(db_path: Path, tmp_path: Path) -> None:
    gz = tmp_path / "notes.warc.gz"
    gz.write_bytes(gzip.compress(b"not a warc"))
    result = run("import", str(gz), "--db", str(db_path), "--no-progress")
    assert result.exit_code == 1
    assert "notes.warc.gz" in result.stderr and "record at offset 0" in result.stderr


def test_a_page_built_by_scripts_keeps_the_crawlers_text(db_path: Path, tmp_path: Path) -> None:
    shell = b"<html><head><title>App</title></head><body><div id=app></div>" \
            b"<script src=/app.js></script></body></html>"
    warc = warc_file(tmp_path / "app.warc.gz", [Response("https://app.example/", shell)])
    path = wacz_file(tmp_path / "app.wacz", warc, [{
        "url": "https://app.example/", "ts": "2026-03-01T10:00:00Z", "loadState": 4,
        "text": "Quarterly tide tables rendered by the application"}])
    assert imported(db_path, path).exit_code == 0
    [capture] = captures(db_path).values()
    assert capture["text"] == "Quarterly tide tables rendered by the application"
    hits = store.search_captures(store.open_db(db_path), "tide tables")
    assert [h["id"] for h in hits] == [capture["id"]]


def test_an_imported_crawl_reads_and_searches_in_archiver_serve(
        db_path: Path, live_server: Any) -> None:
    import urllib.request

    imported(db_path, BROWSERTRIX)
    page = captures(db_path)["https://example.com/"]
    srv = live_server()
    base = f"{srv.url}/-/archiver/archive"
    search = urllib.request.urlopen(f"{base}/search?q=illustrative").read().decode()
    assert "Example Domain" in search
    reader = urllib.request.urlopen(f"{base}/{page['id']}").read().decode()
    assert "illustrative examples" in reader
    snapshot = urllib.request.urlopen(f"{base}/{page['id']}/snapshot")
    assert snapshot.headers["Content-Security-Policy"].startswith("sandbox")
    assert b"<title>Example Domain</title>" in snapshot.read()


def test_an_imported_recording_replays_from_the_archive_alone(
        db_path: Path, live_server: Any) -> None:
    """The archived page's stylesheets, script-free images and web fonts (referred to by the
    stylesheet) all come from the archive: what the WARC held, the replay serves."""
    import re
    import urllib.request

    imported(db_path, IANA)
    page = captures(db_path)["https://www.iana.org/about"]
    srv = live_server()
    base = f"{srv.url}/-/archiver/archive/{page['id']}"
    html = urllib.request.urlopen(f"{base}/snapshot").read().decode()
    links = set(re.findall(rf"/-/archiver/archive/{page['id']}/r/\d+", html))
    assert len(links) >= 4  # two stylesheets, the icon, the logo (scripts are not replayed)
    assert "/-/archiver/missing" not in html
    bodies = {link: urllib.request.urlopen(srv.url + link).read() for link in links}
    css = [b for b in bodies.values() if b.lstrip().startswith(b"@charset")]
    assert css and any(b"/r/" in body and b"woff" not in body for body in css)
    fonts = set(re.findall(rf"/-/archiver/archive/{page['id']}/r/\d+".encode(), b"".join(css)))
    assert fonts, "the stylesheet's fonts point at the archive"
    for link in fonts:
        assert urllib.request.urlopen(srv.url + link.decode()).status == 200
