"""Tags and notes: `archiver tag`, `untag`, `note`, and where they show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from archiver import store
from archiver.cli import cli
from archiver.models import Article, Capture


def add_capture(db: Any, title: str = "An article", text: str = "Some words here.") -> int:
    capture = Capture(url="https://example.org/a", http_status=200, content_type="text/html",
                      html="<p>x</p>", title=title, captured_at="2026-01-01T00:00:00Z")
    article = Article(title=title, text=text, html=f"<p>{text}</p>", word_count=3)
    return store.save_capture(db, capture, article)


def run(db_path: Path, *args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, [*args, "--db", str(db_path)], input=stdin)


def test_tag_and_untag(db: Any, db_path: Path) -> None:
    capture_id = add_capture(db)
    result = run(db_path, "tag", str(capture_id), "climate", "  to   read ", "climate")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "climate to read"
    assert store.get_tags(db, capture_id) == ["climate", "to read"]
    result = run(db_path, "untag", str(capture_id), "to read", "never-there")
    assert result.exit_code == 0 and result.output.strip() == "climate"
    assert store.tag_counts(db) == [{"tag": "climate", "n": 1}]


def test_tag_an_unknown_capture_fails_clearly(db: Any, db_path: Path) -> None:
    result = run(db_path, "tag", "42", "x")
    assert result.exit_code == 1
    assert "There is no capture 42" in result.output
    assert db.execute("select count(*) from capture_tags").fetchone()[0] == 0


def test_note_set_from_stdin_and_cleared(db: Any, db_path: Path) -> None:
    capture_id = add_capture(db)
    assert run(db_path, "note", str(capture_id), "Compare with May's").exit_code == 0
    assert store.get_capture(db, capture_id)["note"] == "Compare with May's"
    assert run(db_path, "note", str(capture_id), "-", stdin="line one\nline two\n").exit_code == 0
    assert store.get_capture(db, capture_id)["note"] == "line one\nline two"
    assert run(db_path, "note", str(capture_id), "").exit_code == 0
    assert store.get_capture(db, capture_id)["note"] is None


def test_tags_filter_listings_and_searches(db: Any) -> None:
    first = add_capture(db, "Lighthouses", "The keepers kept the light.")
    second = add_capture(db, "Lighthouse keepers", "More keepers and lights.")
    store.add_tags(db, first, ["sea"])
    tagged = store.SearchFilters(tag="sea")
    assert [c["id"] for c in store.recent_captures(db, tagged)] == [first]
    assert [c["id"] for c in store.search_captures(db, "keepers")] == [second, first]
    assert [c["id"] for c in store.search_captures(db, "keepers", tagged)] == [first]


def test_search_page_pages_through_many_hits(db: Any, db_path: Path) -> None:
    import asyncio

    from datasette.app import Datasette

    for n in range(25):
        add_capture(db, f"Keepers {n}", "The keepers kept the light.")

    async def pages() -> list[str]:
        ds = Datasette([str(db_path)])
        await ds.invoke_startup()
        first = await ds.client.get("/-/archiver/archive/search?q=keepers&site=example.org")
        second = await ds.client.get(
            "/-/archiver/archive/search?q=keepers&site=example.org&offset=20")
        return [first.text, second.text]

    first, second = asyncio.run(pages())
    assert first.count('class="card"') == 20 and second.count('class="card"') == 5
    assert 'href="?q=keepers&amp;site=example.org&amp;offset=20"' in first
    assert 'href="?q=keepers&amp;site=example.org"' in second
