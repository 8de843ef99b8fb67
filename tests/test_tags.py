"""Tags, notes and reading states belong to pages: `archiver tag`, `untag`, `note`, `mark`, and
where they show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from archiver import store
from archiver.cli import cli
from archiver.models import Article, Capture


def add_capture(db: Any, title: str = "An article", text: str = "Some words here.",
                url: str = "https://example.org/a", when: str = "2026-01-01T00:00:00Z",
                status: str = "ok") -> int:
    capture = Capture(url=url, http_status=200, content_type="text/html", status=status,
                      html="<p>x</p>", title=title, captured_at=when)
    article = Article(title=title, text=text, html=f"<p>{text}</p>", word_count=3)
    return store.save_capture(db, capture, article)


def run(db_path: Path, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, [*args, "--db", str(db_path)], input=stdin)


def test_tag_and_untag_a_page_by_capture_id_or_url(db: Any, db_path: Path) -> None:
    first = add_capture(db)
    second = add_capture(db, when="2026-02-01T00:00:00Z")
    result = run(db_path, "tag", str(first), "climate", "  to   read ", "climate")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["climate", "to read"]  # one a line: no ambiguity
    page_id = store.page_of_capture(db, second)
    assert store.page_of_capture(db, first) == page_id
    assert store.get_page(db, page_id)["tags"] == ["climate", "to read"]
    result = run(db_path, "untag", "https://EXAMPLE.org/a#top", "to read", "never-there")
    assert result.exit_code == 0 and result.output.splitlines() == ["climate"]
    assert store.tag_counts(db) == [{"tag": "climate", "n": 1}]


def test_a_tag_given_at_save_lands_on_the_page_and_shows_on_every_version(db: Any) -> None:
    capture = Capture(url="https://example.org/b", http_status=200, html="<p>x</p>",
                      content_type="text/html", captured_at="2026-01-01T00:00:00Z")
    first = store.save_capture(db, capture, None, tags=["sea"])
    capture.captured_at = "2026-03-01T00:00:00Z"
    second = store.save_capture(db, capture, None)
    page = store.get_page(db, store.page_of_capture(db, second))
    assert page["tags"] == ["sea"] and page["versions"] == 2
    assert page["first_capture_id"] == first and page["last_capture_id"] == second


def test_tag_an_unknown_capture_fails_clearly(db: Any, db_path: Path) -> None:
    result = run(db_path, "tag", "42", "x")
    assert result.exit_code == 1
    assert "There is no capture 42" in result.output
    result = run(db_path, "tag", "https://nowhere.example/", "x")
    assert result.exit_code == 1 and "URL of an archived page" in result.output
    assert db.execute("select count(*) from page_tags").fetchone()[0] == 0


def test_note_set_from_stdin_and_cleared(db: Any, db_path: Path) -> None:
    capture_id = add_capture(db)
    page_id = store.page_of_capture(db, capture_id)
    assert run(db_path, "note", str(capture_id), "Compare with May's").exit_code == 0
    assert store.get_page(db, page_id)["note"] == "Compare with May's"
    assert run(db_path, "note", str(capture_id), "-", stdin="line one\nline two\n").exit_code == 0
    assert store.get_page(db, page_id)["note"] == "line one\nline two"
    shown = run(db_path, "show", str(capture_id)).output
    assert "note:" in shown and "line two" in shown and "versions:" in shown
    assert run(db_path, "note", str(capture_id), "").exit_code == 0
    assert store.get_page(db, page_id)["note"] is None


def test_mark_read_archived_and_favourite(db: Any, db_path: Path) -> None:
    a = add_capture(db, url="https://example.org/a")
    b = add_capture(db, url="https://example.org/b")
    assert run(db_path, "mark", "read", str(a), str(b)).exit_code == 0
    assert run(db_path, "mark", "favourite", "https://example.org/b").exit_code == 0
    pages = {p["page_id"]: p for p in store.list_pages(db)}
    assert {p["state"] for p in pages.values()} == {"read"}
    assert [p["url"] for p in pages.values() if p["favourite"]] == ["https://example.org/b"]
    assert run(db_path, "mark", "archived", str(a)).exit_code == 0
    unread_or_read = store.SearchFilters(states=("unread", "read"))
    assert [p["url"] for p in store.list_pages(db, unread_or_read)] == ["https://example.org/b"]
    assert run(db_path, "mark", "sideways", str(a)).exit_code == 2


def test_tags_filter_listings_and_searches(db: Any) -> None:
    first = add_capture(db, "Lighthouses", "The keepers kept the light.",
                        url="https://example.org/one")
    second = add_capture(db, "Lighthouse keepers", "More keepers and lights.",
                         url="https://example.org/two")
    store.add_tags(db, [store.page_of_capture(db, first)], ["sea"])
    tagged = store.SearchFilters(tag="sea")
    assert [c["id"] for c in store.list_pages(db, tagged)] == [first]
    assert [c["id"] for c in store.search_pages(db, "keepers")] == [second, first]
    assert [c["id"] for c in store.search_pages(db, "keepers", tagged)] == [first]


def test_search_page_pages_through_many_hits(db: Any, db_path: Path) -> None:
    import asyncio

    from datasette.app import Datasette

    for n in range(25):
        add_capture(db, f"Keepers {n}", "The keepers kept the light.",
                    url=f"https://example.org/{n}")

    async def pages() -> list[str]:
        ds = Datasette([str(db_path)])
        await ds.invoke_startup()
        first = await ds.client.get("/-/archiver/archive/search?q=keepers&site=example.org")
        second = await ds.client.get(
            "/-/archiver/archive/search?q=keepers&site=example.org&offset=20")
        return [first.text, second.text]

    first, second = asyncio.run(pages())
    assert first.count('<li class="card') == 20 and second.count('<li class="card') == 5
    assert 'href="?q=keepers&amp;site=example.org&amp;offset=20"' in first
    assert 'href="?q=keepers&amp;site=example.org"' in second
