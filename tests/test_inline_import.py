"""`@import` inside an inline `<style>` (issue #28): an imported crawl keeps the stylesheet it
names and what that stylesheet loads, and the single file inlines them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner
from warcs import Response, warc_file

from archiver import store
from archiver.cli import cli
from archiver.replay.singlefile import single_file

PAGE = (b"<!doctype html><html><head><title>Imported</title>"
        b"<style>@import url('/css/imported.css'); @import \"/css/second.css\";</style></head>"
        b"<body><article><h1>Imported</h1><p>A page whose inline style imports its looks, with "
        b"words enough to count as an article for the extractor.</p></article></body></html>")


def test_an_inline_style_import_is_kept_and_replayed(db_path: Path, tmp_path: Path) -> None:
    warc = warc_file(tmp_path / "crawl.warc.gz", [
        Response("https://site.example/page", PAGE),
        Response("https://site.example/css/imported.css",
                 b"body { background: url(../img/paper.png) }", "text/css", dest="style"),
        Response("https://site.example/css/second.css", b"h1 { color: rgb(1, 2, 3) }",
                 "text/css", dest="style"),
        Response("https://site.example/img/paper.png", b"\x89PNG\r\n\x1a\nfake", "image/png",
                 dest="image"),
    ])
    result = CliRunner().invoke(cli, ["import", str(warc), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db_path)
    kept = {r[0] for r in conn.execute("SELECT url FROM resources WHERE body_hash IS NOT NULL")}
    conn.close()
    assert {"https://site.example/css/imported.css", "https://site.example/css/second.css",
            "https://site.example/img/paper.png"} <= kept
    db = store.open_db(db_path)
    [capture_id] = [r[0] for r in db.execute("SELECT id FROM captures")]
    page = single_file(db, capture_id)
    db.close()
    assert "https://site.example/css/" not in page  # both imports inlined, none left live
    assert page.count("data:text/css") >= 2
