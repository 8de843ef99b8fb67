"""Storage: schema, blobs, full-text search, two writers, and the `search` command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FixtureServer

from archiver import store
from archiver.cli import cli
from archiver.migrations import migrations
from archiver.models import Article, Capture
from archiver.urls import normalize


def search(db: Any, query: str) -> list[dict[str, Any]]:
    hits = store.search_captures(db, query)
    for hit in hits:
        hit["snippet"] = hit["snippet"].replace(store.SNIPPET_START, "[").replace(
            store.SNIPPET_END, "]")
    return hits


def make_capture(url: str, title: str, text: str, html: str | None = None) -> tuple[Capture,
                                                                                   Article]:
    capture = Capture(url=url, final_url=url, http_status=200, content_type="text/html",
                      html=html or f"<html><body><p>{text}</p></body></html>",
                      screenshot=None, title=title, captured_at="2026-01-01T00:00:00.000Z")
    return capture, Article(title=title, text=text, word_count=len(text.split()))


def test_new_database_gets_the_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "archive.db"
    db = store.open_db(path)
    assert path.exists()
    assert {"pages", "captures", "blobs", "captures_fts"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [m.name for m in migrations.applied(db)]
    assert applied[:2] == ["m001_initial", "m002_tags_notes_keys"]
    assert not migrations.pending(db)
    db.close()
    again = store.open_db(path)  # migrating twice is a no-op
    assert [m.name for m in migrations.applied(again)] == applied
    assert not migrations.pending(again)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(store.StorageError, match="Cannot open the archive"):
        store.open_db(path)


def test_search_ranks_title_hits_first_and_keeps_fts_current(db: Any) -> None:
    store.save_capture(db, *make_capture("https://a.example/1", "Gardening notes",
                                         "Moskau is mentioned once here among roses."))
    store.save_capture(db, *make_capture("https://b.example/2", "Moskau und Ankara",
                                         "Moskau und Ankara wollen kooperieren. Moskau."))
    store.save_capture(db, *make_capture("https://c.example/3", "Unrelated", "Nothing."))
    hits = search(db, "moskau ankara")
    assert [h["url"] for h in hits] == ["https://b.example/2"]
    hits = search(db, "Moskau")
    assert [h["url"] for h in hits] == ["https://b.example/2", "https://a.example/1"]
    assert "[Moskau]" in hits[0]["snippet"]
    db.execute("DELETE FROM captures WHERE url = 'https://b.example/2'")
    assert [h["url"] for h in search(db, "moskau")] == ["https://a.example/1"]


def test_search_input_with_fts_syntax_does_not_error(db: Any) -> None:
    store.save_capture(db, *make_capture("https://a.example/", "C++ tips", "Use C++ AND rust"))
    for query in ['"unbalanced', "AND OR NOT", "c++", "near(", "*", "title:foo"]:
        search(db, query)  # no exception
    assert search(db, "c++")


def test_search_command(db_path: Path) -> None:
    db = store.open_db(db_path)
    store.save_capture(db, *make_capture("https://n.example/", "Nach US-Abzug",
                                         "Moskau und Ankara wollen stärker kooperieren"))
    db.close()
    result = CliRunner().invoke(cli, ["search", "moskau ankara", "--db", str(db_path)])
    assert result.exit_code == 0
    first, snippet = result.stdout.splitlines()[:2]
    assert first == "1\tNach US-Abzug\thttps://n.example/"
    assert "[Moskau]" in snippet and "[Ankara]" in snippet
    none = CliRunner().invoke(cli, ["search", "zebra", "--db", str(db_path)])
    assert none.exit_code == 0 and "No pages match 'zebra'" in none.stderr


def test_blobs_are_stored_once_and_round_trip(db: Any) -> None:
    html = "<html><body>" + "<p>same content</p>" * 500 + "</body></html>"
    for n in range(3):
        store.save_capture(db, *make_capture(f"https://x.example/{n}", "t", "same", html))
    [(count, size, stored)] = db.execute(
        "select count(*), sum(size), sum(length(content)) from blobs").fetchall()
    assert count == 1 and stored < size / 10
    key = db.execute("select snapshot_hash from captures limit 1").fetchone()[0]
    assert store.get_blob(db, key).content.decode() == html


def test_url_normalization_decides_same_page() -> None:
    same = [
        "HTTPS://Example.COM:443/a?utm_source=x&id=3#top",
        "https://example.com/a?id=3&fbclid=abc",
        "https://example.com/a?id=3",
    ]
    assert {normalize(u) for u in same} == {"https://example.com/a?id=3"}
    assert normalize("http://example.com") == "http://example.com/"
    assert normalize("http://example.com:8080/") == "http://example.com:8080/"
    assert normalize("https://example.com/a?b=2&a=1") != normalize("https://example.com/a?a=1")


def test_a_failed_write_saves_nothing(db: Any) -> None:
    capture, article = make_capture("https://x.example/", "t", "text")
    db.execute("CREATE TRIGGER reject BEFORE INSERT ON captures BEGIN "
               "SELECT RAISE(ABORT, 'rejected by a test trigger'); END")
    with pytest.raises(store.StorageError, match="rejected by a test trigger"):
        store.save_capture(db, capture, article)
    assert db.execute("select count(*) from blobs").fetchone()[0] == 0
    assert db.execute("select count(*) from pages").fetchone()[0] == 0


def test_a_full_disk_is_a_clear_error_and_the_archive_stays_intact(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    db = store.open_db(path)
    store.save_capture(db, *make_capture("https://kept.example/", "Kept", "kept text"))
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")  # a disk with almost no room left
    big = "<html><body>" + os.urandom(400_000).hex() + "</body></html>"
    with pytest.raises(store.StorageError, match="disk is full"):
        store.save_capture(db, *make_capture("https://big.example/", "Big", "big", big))
    db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select url from captures").fetchall() == [("https://kept.example/",)]


def test_two_save_processes_at_once(server: FixtureServer, db_path: Path) -> None:
    """Two `archiver save` processes on one new database: both succeed, nothing is lost."""
    urls = [server.add_page(f"/two-writers/{n}", f"<title>Page {n}</title><p>Page {n} "
                            + "text " * 50 + "</p>") for n in range(8)]
    env = {**os.environ, "ARCHIVER_DB": str(db_path)}
    procs = [
        subprocess.Popen([sys.executable, "-m", "archiver", "save", *chunk, "--concurrency", "2",
                          "--no-screenshot"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for chunk in (urls[:4], urls[4:])
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from captures where status = 'ok'").fetchone()[0] == 8
    assert conn.execute("select count(*) from pages").fetchone()[0] == 8
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_word_on_most_pages_ranks_only_the_newest_matches(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_capture(db, *make_capture("https://old.example/", "Harbour harbour",
                                         "harbour harbour harbour"))
    for n in range(3):
        store.save_capture(db, *make_capture(f"https://new.example/{n}", f"New {n}",
                                             "the harbour once"))
    assert search(db, "harbour")[0]["url"] == "https://old.example/"  # best match overall
    monkeypatch.setattr(store.reading, "RANK_WINDOW", 2)
    assert [h["url"] for h in search(db, "harbour")] == [
        "https://new.example/1", "https://new.example/2"]


def test_open_waits_for_another_process_creating_the_same_archive(tmp_path: Path) -> None:
    """Another process holds the write lock on a new file while it sets it up; switching to WAL
    then fails at once with "database is locked" (SQLite's deadlock rule, not the busy timeout):
    open_db tries again until the other one is done."""
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE notes (text)")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        db = store.open_db(path)
    finally:
        release.join()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert "captures" in db.table_names() and "notes" in db.table_names()
    db.close()
    other.close()


def test_resources_and_frames_are_stored_with_their_capture_and_bodies_once(db: Any) -> None:
    from archiver.models import FrameSnapshot, Resource

    css = b"body { color: rebeccapurple }" * 50
    for n in (1, 2):
        capture, article = make_capture(f"https://site.example/{n}", f"Page {n}", "Text.")
        capture.resources = [
            Resource(url="https://cdn.example/site.css", kind="stylesheet", status=200,
                     mime_type="text/css", headers={"content-type": "text/css"}, body=css),
            Resource(url="https://cdn.example/video.mp4", kind="media", status=200,
                     mime_type="video/mp4", size=50_000_000, skipped="too large",
                     detail="50 MB is more than the 20 MB limit"),
        ]
        capture.frames = [FrameSnapshot(position=0, url="https://other.example/frame",
                                        html="<p>inside the frame</p>")]
        capture_id = store.save_capture(db, capture, article)
    row = store.get_capture(db, capture_id)
    assert (row["resources_stored"], row["resources_skipped"], row["resources_bytes"]) == (
        1, 1, len(css))
    assert row["resources_status"] == "partial"
    stored = store.resource_by_url(db, capture_id, "https://cdn.example/site.css")
    assert stored is not None and store.resource_body(db, stored) == css
    skipped = store.resource_by_url(db, capture_id, "https://cdn.example/video.mp4")
    assert skipped is not None and skipped["skipped"] == "too large"
    assert skipped["body_hash"] is None and skipped["size"] == 50_000_000
    assert db.execute("SELECT count(*) FROM blobs WHERE size = ?", [len(css)]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM resources").fetchone()[0] == 4
    assert store.frame_snapshot(db, capture_id, 0) == b"<p>inside the frame</p>"


def test_captures_from_before_resources_were_kept_are_marked_so(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = store.open_db(path)
    capture_id = store.save_capture(old, *make_capture("https://a.example/", "Old", "Old text."))
    old.execute("ALTER TABLE captures DROP COLUMN resources_status")  # as before m006
    old.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_resources'")
    for table in ("resources", "frames"):
        old.execute(f"DROP TABLE {table}")
    for column in ("resources_stored", "resources_skipped", "resources_bytes"):
        old.execute(f"ALTER TABLE captures DROP COLUMN {column}")
    old.close()
    db = store.open_db(path)  # migrates
    row = store.get_capture(db, capture_id)
    assert row["resources_status"] == "none" and row["title"] == "Old"
    assert store.capture_resources(db, capture_id) == []
