"""Imports and bulk saving: bookmark formats, bad files, skip/resume, failures and retry."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FixtureServer

from archiver import imports
from archiver.cli import cli

FAST = ["--timeout", "10", "--request-timeout", "2", "--no-screenshot"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def netscape(links: list[tuple[str, str, str]], truncate: bool = False) -> str:
    """A browser-style export: links as (folder, url, title)."""
    body = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", '<META HTTP-EQUIV="Content-Type" '
            'CONTENT="text/html; charset=UTF-8">', "<TITLE>Bookmarks</TITLE>", "<H1>Bookmarks</H1>",
            "<DL><p>"]
    for folder in sorted({f for f, _, _ in links}):
        body.append(f'    <DT><H3 ADD_DATE="1700000000">{folder}</H3>\n    <DL><p>')
        for f, url, title in links:
            if f == folder:
                body.append(f'        <DT><A HREF="{url}" ADD_DATE="1700000000" '
                            f'TAGS="imported">{title}</A>')
        body.append("    </DL><p>")
    body.append("</DL><p>")
    text = "\n".join(body)
    return text[: text.rindex("<DT><A") + 20] if truncate else text


def test_netscape_folders_become_tags() -> None:
    data = netscape([("Reading", "https://a.example/1", "One"),
                     ("Recipes", "https://b.example/2", "Two &amp; more")]).encode()
    marks = imports.parse("bookmarks.html", data)
    assert [(b.url, b.title, b.tags, b.added) for b in marks] == [
        ("https://a.example/1", "One", ["Reading", "imported"], "2023-11-14T22:13:20Z"),
        ("https://b.example/2", "Two & more", ["Recipes", "imported"], "2023-11-14T22:13:20Z"),
    ]


def test_pocket_and_pinboard_keep_tags_and_dates() -> None:
    pocket = b"title,url,time_added,tags,status\nA,https://a.example/,1600000000,x|y,unread\n"
    [p] = imports.parse("pocket.csv", pocket)
    assert (p.url, p.tags, p.added) == ("https://a.example/", ["x", "y"], "2020-09-13T12:26:40Z")
    pinboard = json.dumps([{"href": "https://b.example/", "description": "B", "tags": "p q",
                            "time": "2019-01-02T03:04:05Z"}]).encode()
    [b] = imports.parse("pinboard.json", pinboard)
    assert (b.title, b.tags, b.added) == ("B", ["p", "q"], "2019-01-02T03:04:05Z")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("bookmarks.html", netscape([("F", "https://a.example/", "A")] * 3, truncate=True).encode(),
     "truncated"),
    ("pocket.csv", b"name,link\nA,https://a.example/\n", "needs the columns url and title"),
    ("pinboard.json", b'[{"href": "https://a.example/"},\n {"href": ', "line 2"),
    ("pinboard.json", b'[{"href": "https://a.example/"}, {"url": "x"}]', "bookmark 2"),
    ("urls.txt", b"https://a.example/\nhttps://b.example/\n\xff\xfe oops\n", "line 3"),
])
def test_bad_files_say_what_and_where(name: str, data: bytes, message: str) -> None:
    with pytest.raises(imports.ImportError_, match=message):
        imports.parse(name, data)


def test_a_url_that_cannot_be_archived_is_named_and_the_others_kept() -> None:
    good, ftp, spaced = imports.parse(
        "urls.txt", b"https://a.example/\nftp://files.example/x\nnot a url at all\n")
    assert (good.url, good.problem) == ("https://a.example/", None)
    assert ftp.problem is not None and ftp.problem.startswith("line 2: ")
    assert "not an http(s) URL" in ftp.problem
    assert spaced.problem is not None and spaced.problem.startswith("line 3: ")


def test_a_bookmarklet_in_a_browser_export_is_reported_with_its_line() -> None:
    data = netscape([("Tools", "javascript:alert(document.title)", "A bookmarklet"),
                     ("Tools", "place:sort=8&amp;maxResults=10", "Most visited"),
                     ("Tools", "https://a.example/", "A page")]).encode()
    marks = imports.parse("bookmarks.html", data)
    assert [m.url for m in marks if m.problem is None] == ["https://a.example/"]
    problems = [m.problem for m in marks if m.problem]
    assert len(problems) == 2
    assert all(p.startswith("line ") and "not an http(s) URL" in p for p in problems)


@pytest.mark.parametrize("typed, says", [
    ("notaurl", "is not a web address"), ("javascript:alert(1)", "not an http(s) URL"),
    ("place:sort=8", "not an http(s) URL"), ("mailto:a@example.org", "not an http(s) URL"),
])
def test_what_is_not_a_web_address_is_refused(typed: str, says: str) -> None:
    from archiver.urls import InvalidURL, check_archivable

    with pytest.raises(InvalidURL, match=re.escape(says)):
        check_archivable(typed)
    for fine in ("example.org/a", "localhost:8000/x", "127.0.0.1:8001", "http://intranet/"):
        assert check_archivable(fine).startswith(("https://", "http://"))


def test_watch_add_refuses_a_word_that_is_no_url(db_path: Path) -> None:
    result = run("watch", "add", "notaurl", "--db", str(db_path))
    assert result.exit_code != 0 and "is not a web address" in result.output


def test_bad_import_file_saves_nothing(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "pinboard.json"
    bad.write_text('[{"href": "https://a.example/"}, {"url": "https://b.example/"}]')
    result = run("import", str(bad), "--db", str(db_path))
    assert result.exit_code == 1
    assert "bookmark 2" in result.stderr and "has no" in result.stderr
    assert not db_path.exists() or sqlite3.connect(db_path).execute(
        "select count(*) from captures").fetchone()[0] == 0


def test_import_archives_skips_on_rerun_and_retries_failures(
    server: FixtureServer, db_path: Path, tmp_path: Path
) -> None:
    urls = [server.add_page(f"/import/{n}", f"<title>Imported {n}</title><p>{'word ' * 40}</p>")
            for n in range(4)]
    gone = server.add_page("/import/gone", "<h1>no</h1>", status=503)
    export = tmp_path / "bookmarks.html"
    export.write_text(netscape([("Reading", u, f"Bookmark {n}") for n, u in enumerate(urls)]
                               + [("Broken", gone, "Gone")]))
    first = run("import", str(export), "--db", str(db_path), "--concurrency", "3", *FAST)
    assert first.exit_code == 1
    assert "Done: 4 saved, 0 skipped as already archived, 1 failed." in first.stderr
    conn = sqlite3.connect(db_path)
    tags = conn.execute("select c.url, group_concat(t.tag) from captures c join page_tags t "
                        "on t.page_id = c.page_id group by c.id order by c.url").fetchall()
    assert (urls[0], "Reading,imported") in tags
    assert conn.execute("select bookmarked_at from captures where url = ?",
                        [urls[0]]).fetchone()[0] == "2023-11-14T22:13:20Z"
    assert conn.execute("select title from captures where url = ?", [gone]).fetchone()[0] == "Gone"

    again = run("import", str(export), "--db", str(db_path), *FAST)
    assert "Done: 0 saved, 4 skipped as already archived, 1 failed." in again.stderr

    listed = run("failures", "--db", str(db_path))
    assert listed.stdout.count("\n") == 1 and gone in listed.stdout and "HTTP 503" in listed.stdout
    server.add_page("/import/gone", "<title>Back</title><p>It is back now.</p>")
    retried = run("retry", "--db", str(db_path), *FAST)
    assert retried.exit_code == 0, retried.output
    assert "No failures." in run("failures", "--db", str(db_path)).stderr
    assert conn.execute("select count(*) from captures").fetchone()[0] == 7


def test_from_file_skips_archived_but_named_urls_are_captured_again(
    server: FixtureServer, db_path: Path, tmp_path: Path
) -> None:
    url = server.add_page("/from-file/1", "<title>One</title><p>one</p>")
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# list\n\n{url}\n{url}#dup\n")
    assert run("save", "--from-file", str(listing), "--db", str(db_path), *FAST).exit_code == 0
    assert run("save", "--from-file", str(listing), "--db", str(db_path), *FAST).exit_code == 0
    assert run("save", url, "--db", str(db_path), *FAST).exit_code == 0
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from captures").fetchone()[0] == 2
