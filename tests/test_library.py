"""The page is the unit, captures are its versions: the migration from per-capture tags and
notes, grouped search, `archiver delete` and `archiver vacuum`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlite_utils import Database

from archiver import store
from archiver.cli import cli
from archiver.migrations import migrations
from archiver.models import Article, Capture, Resource


def run(db_path: Path, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, [*args, "--db", str(db_path)], input=stdin)


def old_archive(path: Path) -> None:
    """An archive as the schema before pages held tags and notes (m010) made it: three
    captures of one page with tags and notes of their own, and one capture of another."""
    db = Database(sqlite3.connect(path, isolation_level=None))
    db.conn.execute("BEGIN")
    migrations.apply(db, stop_before="m011_library")
    db.conn.execute("COMMIT")
    db.execute("INSERT INTO pages (id, url, site, first_captured, last_captured) VALUES "
               "(1, 'https://example.org/a', 'example.org', '2026-01-01', '2026-01-03'), "
               "(2, 'https://example.org/b', 'example.org', '2026-01-02', '2026-01-02')")
    for cid, page, when, status, note, text in [
        (1, 1, "2026-01-01T00:00:00Z", "ok", "First thoughts", "keepers of the light"),
        (2, 1, "2026-01-02T00:00:00Z", "ok", "Check the dates", "keepers of the lamp"),
        (3, 1, "2026-01-03T00:00:00Z", "failed", "First thoughts", None),
        (4, 2, "2026-01-02T00:00:00Z", "ok", None, "harbour wall"),
    ]:
        db.execute("INSERT INTO captures (id, page_id, url, site, captured_at, status, note, "
                   "source, title, text) VALUES (?, ?, ?, 'example.org', ?, ?, ?, 'cli', ?, ?)",
                   [cid, page, f"https://example.org/{'ab'[page - 1]}", when, status, note,
                    f"Title {cid}", text])
    db.execute("INSERT INTO capture_tags (capture_id, tag) VALUES (1, 'sea'), (2, 'sea'), "
               "(2, 'history'), (4, 'port')")
    db.conn.close()


def test_migration_moves_tags_and_notes_onto_pages_losing_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old_archive(path)
    db = store.open_db(path)
    first, second = store.get_page(db, 1), store.get_page(db, 2)
    assert first["tags"] == ["history", "sea"] and second["tags"] == ["port"]
    assert first["note"] == "First thoughts\n\nCheck the dates"  # merged, each once, in order
    assert second["note"] is None
    assert (first["versions"], first["first_capture_id"], first["last_capture_id"],
            first["good_capture_id"], first["state"]) == (3, 1, 3, 2, "unread")
    assert "note" not in store.get_capture(db, 1)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not db["capture_tags"].exists()
    hits = store.search_pages(db, "keepers")
    assert [(h["page_id"], h["versions"]) for h in hits] == [(1, 3)]  # one hit for two matches


def test_search_json_is_one_record_a_page_with_its_best_version(db: Any, db_path: Path) -> None:
    for when, text in [("2026-01-01T00:00:00Z", "The keepers kept the light."),
                       ("2026-02-01T00:00:00Z", "Keepers, keepers: the keepers left."),
                       ("2026-03-01T00:00:00Z", "Nobody lives here now.")]:
        store.save_capture(db, Capture(url="https://example.org/lighthouse", title="Lighthouse",
                                       html="<p>x</p>", content_type="text/html",
                                       captured_at=when),
                           Article(title="Lighthouse", text=text, word_count=5))
    store.save_capture(db, Capture(url="https://example.org/other", title="Other keepers",
                                   html="<p>x</p>", content_type="text/html",
                                   captured_at="2026-01-05T00:00:00Z"),
                       Article(title="Other keepers", text="Keepers elsewhere.", word_count=2))
    result = run(db_path, "search", "keepers", "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    lighthouse = next(r for r in records if r["url"] == "https://example.org/lighthouse")
    assert lighthouse["versions"] == 3 and lighthouse["captured_at"].startswith("2026-02-01")
    assert "[keepers]" in lighthouse["snippet"].lower()


def archive_with_shared_blobs(db: Any) -> dict[str, int]:
    """Two pages sharing a stylesheet; the first has two versions with different screenshots."""
    shared = Resource(url="https://example.org/site.css", kind="stylesheet", status=200,
                      mime_type="text/css", body=b"body { color: rgb(1, 2, 3) }")
    ids = {}
    for name, url, when, own in [("a1", "https://example.org/a", "2026-01-01T00:00:00Z", b"A1"),
                                 ("a2", "https://example.org/a", "2026-01-02T00:00:00Z", b"A2"),
                                 ("b", "https://example.org/b", "2026-01-03T00:00:00Z", b"B")]:
        own_image = Resource(url=f"https://example.org/{name}.png", kind="image", status=200,
                             mime_type="image/png", body=b"\x89PNG own " + own * 1000)
        capture = Capture(url=url, final_url=url, title=f"Page {name}", html=f"<p>{name}</p>",
                          content_type="text/html", captured_at=when,
                          screenshot=b"\x89PNG\r\n\x1a\n" + own * 5000,
                          resources=[shared, own_image])
        ids[name] = store.save_capture(db, capture, Article(title=name, text=f"words {name}"),
                                       tags=["t"])
    return ids


def blob_hashes(db: Any) -> set[str]:
    return {r[0] for r in db.execute("SELECT hash FROM blobs").fetchall()}


def test_delete_a_version_then_a_page_keeps_what_others_share(db: Any, db_path: Path) -> None:
    ids = archive_with_shared_blobs(db)
    css = store.sha256(b"body { color: rgb(1, 2, 3) }")
    before = blob_hashes(db)
    dry = run(db_path, "delete", "--version", str(ids["a1"]), "--dry-run")
    assert dry.exit_code == 0 and "Would delete 1 capture(s)" in dry.stderr
    assert blob_hashes(db) == before
    done = run(db_path, "delete", "--version", str(ids["a1"]), "--yes", "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["captures"] == [ids["a1"]] and report["pages"] == [] and report["blobs"] == 3
    page = store.get_page(db, store.page_of_capture(db, ids["a2"]))
    assert page["versions"] == 1 and page["tags"] == ["t"]  # the page and its tags stay
    assert css in blob_hashes(db)
    # the whole page "a" by URL: its screenshot, DOM, own image go; the shared stylesheet stays
    assert run(db_path, "delete", "https://example.org/a", "--yes").exit_code == 0
    assert store.page_by_url(db, "https://example.org/a") is None
    assert css in blob_hashes(db)
    assert db.execute("SELECT count(*) FROM resources").fetchone()[0] == 2  # page b's
    assert db.execute("SELECT count(*) FROM page_tags").fetchone()[0] == 1
    assert store.search_pages(db, "a2") == []  # full-text rows gone
    assert [h["id"] for h in store.search_pages(db, "words")] == [ids["b"]]
    # then the last page: nothing refers to any blob any more
    assert run(db_path, "delete", str(ids["b"]), "--yes").exit_code == 0
    assert blob_hashes(db) == set()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_delete_asks_first_and_refuses_without_a_terminal(db: Any, db_path: Path) -> None:
    ids = archive_with_shared_blobs(db)
    result = run(db_path, "delete", str(ids["b"]))
    assert result.exit_code == 1 and "add --yes" in result.output
    assert store.get_capture(db, ids["b"])["id"] == ids["b"]
    result = run(db_path, "delete", "999")
    assert result.exit_code == 1 and "There is no capture 999" in result.output
    assert run(db_path, "delete").exit_code == 2


def test_vacuum_gives_the_space_back(db: Any, db_path: Path) -> None:
    ids = archive_with_shared_blobs(db)
    big = Capture(url="https://example.org/big", title="Big", html="<p>big</p>",
                  content_type="text/html", captured_at="2026-01-04T00:00:00Z",
                  screenshot=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40_000)
    big_id = store.save_capture(db, big, None)
    assert run(db_path, "delete", str(big_id), "--yes").exit_code == 0
    result = run(db_path, "vacuum")
    assert result.exit_code == 0, result.output
    before, after = [float(x.split()[0]) for x in result.stderr.split(": ", 1)[1].split("->")]
    assert after < before - 5  # the 10 MB screenshot's pages went back to the disk
    assert store.get_capture(db, ids["b"])["text"] == "words b"


def test_a_reading_command_in_the_wrong_folder_says_so_and_creates_nothing(
        tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_DB", raising=False)
    for args in (["search", "keepers"], ["show", "10"], ["failures"], ["tag", "1", "x"],
                 ["export", "--output", "out.jsonl"], ["watch", "list"], ["changes"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert "There is no archive at db/archive.db" in result.output, args
        assert "--db PATH" in result.output
    assert not (tmp_path / "db").exists()


def test_not_found_names_the_archive_it_read(db: Any, db_path: Path) -> None:
    result = run(db_path, "show", "10")
    assert result.exit_code == 1
    assert f"There is no capture 10 in this archive. (archive: {db_path})" in result.output
