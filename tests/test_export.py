"""`archiver export`: JSON lines, Markdown with front matter, a static HTML reader copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from archiver import store
from archiver.cli import cli
from archiver.export import iter_lines
from archiver.models import Article, Capture

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"


def archive(db: Any) -> list[int]:
    ids = []
    for n, (title, text, html) in enumerate([
        ("Lighthouse keepers", "The keepers of Skerryvore kept the light.",
         "<p>The keepers of <b>Skerryvore</b> kept the light.</p>"
         "<img src='https://cdn.example/l.jpg' alt='A lighthouse'>"),
        (HOSTILE_TITLE, "Nothing to see <script>", "<p onclick='x()'>Nothing</p>"
         "<script>alert(1)</script><a href='javascript:alert(1)'>link</a>"),
    ]):
        capture = Capture(url=f"https://example.org/{n}", http_status=200,
                          content_type="text/html", html="<p>x</p>", title=title,
                          captured_at=f"2026-01-0{n + 1}T00:00:00Z")
        article = Article(title=title, text=text, html=html, word_count=len(text.split()),
                          lang="en")
        ids.append(store.save_capture(db, capture, article))
    page = store.page_of_capture(db, ids[0])
    store.add_tags(db, [page], ["sea", "history"])
    store.set_note(db, page, "Read again")
    return ids


def add_version(db: Any, url: str, text: str, when: str, status: str = "ok") -> int:
    capture = Capture(url=url, http_status=200, content_type="text/html", html="<p>x</p>",
                      title="Lighthouse keepers", captured_at=when, status=status)
    article = Article(title="Lighthouse keepers", text=text, html=f"<p>{text}</p>",
                      word_count=len(text.split()))
    return store.save_capture(db, capture, article)


def export(db_path: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result


def test_jsonl_has_every_capture_with_tags_and_note(db: Any, db_path: Path,
                                                    tmp_path: Path) -> None:
    ids = archive(db)
    out = tmp_path / "all.jsonl"
    result = export(db_path, "--format", "jsonl", "--all-versions", "--output", str(out))
    assert "Exported 2 capture(s)" in result.output
    records = list(iter_lines(out))
    assert [r["id"] for r in records] == ids
    assert records[0]["tags"] == ["history", "sea"] and records[0]["note"] == "Read again"
    assert records[0]["text"].startswith("The keepers") and "idempotency_key" not in records[0]


def test_exports_are_one_record_a_page_its_newest_good_version(db: Any, db_path: Path,
                                                               tmp_path: Path) -> None:
    ids = archive(db)
    newer = add_version(db, "https://example.org/0", "The keepers left in 1987.",
                        "2026-02-01T00:00:00Z")
    add_version(db, "https://example.org/0", "", "2026-03-01T00:00:00Z", status="failed")
    out = tmp_path / "pages.jsonl"
    result = export(db_path, "--format", "jsonl", "--output", str(out))
    assert "Exported 2 page(s)" in result.output
    records = {r["url"]: r for r in iter_lines(out)}
    first = records["https://example.org/0"]
    assert first["id"] == newer and first["versions"] == 3
    assert first["tags"] == ["history", "sea"] and first["note"] == "Read again"
    assert records["https://example.org/1"]["id"] == ids[1]
    every = tmp_path / "every.jsonl"
    export(db_path, "--format", "jsonl", "--all-versions", "--output", str(every))
    assert len(list(iter_lines(every))) == 4
    md = tmp_path / "md"
    export(db_path, "--format", "markdown", "--output", str(md))
    assert len(list(md.iterdir())) == 2


def test_jsonl_of_a_search(db: Any, db_path: Path, tmp_path: Path) -> None:
    ids = archive(db)
    out = tmp_path / "hits.jsonl"
    export(db_path, "--format", "jsonl", "--query", "skerryvore", "--output", str(out))
    assert [r["id"] for r in iter_lines(out)] == [ids[0]]


def test_markdown_files_with_front_matter(db: Any, db_path: Path, tmp_path: Path) -> None:
    archive(db)
    out = tmp_path / "md"
    export(db_path, "--format", "markdown", "--output", str(out))
    files = sorted(p.name for p in out.iterdir())
    assert files == ["1-lighthouse-keepers.md", "2-img-src-x-onerror-alert-1.md"]
    text = (out / files[0]).read_text()
    front, body = text.split("---\n")[1], text.split("---\n")[2]
    fields = dict(line.split(": ", 1) for line in front.strip().splitlines())
    assert json.loads(fields["title"]) == "Lighthouse keepers"
    assert json.loads(fields["tags"]) == ["history", "sea"]
    assert "# Lighthouse keepers" in body and "The keepers of **Skerryvore** kept" in body
    assert "[A lighthouse](https://cdn.example/l.jpg)" in body  # an image is a link
    hostile = (out / files[1]).read_text()
    assert "# \\<img src=x" in hostile and "Nothing" in hostile
    assert "<script" not in hostile and "javascript:" not in hostile


def test_markdown_without_html_is_the_escaped_text(db: Any, db_path: Path,
                                                   tmp_path: Path) -> None:
    capture = Capture(url="https://example.org/t", http_status=200, content_type="text/html",
                      html="<p>x</p>", title="Plain", captured_at="2026-01-01T00:00:00Z")
    text = "Only text <script>alert(1)</script>"
    store.save_capture(db, capture, Article(title="Plain", text=text, html=None,
                                            word_count=4, lang="en"))
    out = tmp_path / "md"
    export(db_path, "--format", "markdown", "--output", str(out))
    body = (out / "1-plain.md").read_text().split("---\n")[2]
    assert "Only text \\<script>alert(1)\\</script>" in body


def test_html_copy_is_sanitized_and_offline(db: Any, db_path: Path, tmp_path: Path) -> None:
    archive(db)
    out = tmp_path / "site"
    export(db_path, "--format", "html", "--output", str(out))
    index = (out / "index.html").read_text()
    assert 'href="captures/1-lighthouse-keepers.html"' in index
    assert "&lt;img src=x onerror=alert(1)&gt;" in index and HOSTILE_TITLE not in index
    page = (out / "captures" / "1-lighthouse-keepers.html").read_text()
    assert "<b>Skerryvore</b>" in page and "Read again" in page
    assert "Content-Security-Policy" in page and "default-src &#39;none&#39;" in page
    assert 'src="https://cdn.example' not in page  # images are links, not fetched
    hostile = (out / "captures" / "2-img-src-x-onerror-alert-1.html").read_text()
    for bad in ("<script", "onclick", "javascript:", HOSTILE_TITLE):
        assert bad not in hostile


def test_export_refuses_a_file_as_folder(db: Any, db_path: Path, tmp_path: Path) -> None:
    archive(db)
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", "html",
                                      "--output", str(target)])
    assert result.exit_code == 1 and "is a file" in result.output


def test_html_copy_has_each_archived_page_in_one_file(db: Any, db_path: Path,
                                                      tmp_path: Path) -> None:
    """Each capture's archived page, with its stored stylesheet inlined, next to its reader
    page; --reader-only leaves them out."""
    from archiver.models import Resource

    capture = Capture(url="https://example.org/styled", final_url="https://example.org/styled",
                      http_status=200, content_type="text/html", title="Styled",
                      html='<html><head><link rel="stylesheet" href="/s.css"></head><body>'
                           '<p class="x">Styled text</p><script>alert(1)</script></body></html>',
                      captured_at="2026-01-03T00:00:00Z",
                      resources=[Resource(url="https://example.org/s.css", kind="stylesheet",
                                          status=200, mime_type="text/css",
                                          body=b".x { color: rgb(1, 2, 3) }")])
    capture_id = store.save_capture(db, capture, Article(title="Styled", text="Styled text"))
    out = tmp_path / "site"
    export(db_path, "--format", "html", "--output", str(out))
    reader = (out / "captures" / f"{capture_id}-styled.html").read_text()
    assert f'href="{capture_id}-styled.page.html"' in reader
    page = (out / "captures" / f"{capture_id}-styled.page.html").read_text()
    assert "Styled text" in page and "data:text/css;base64," in page
    assert "<script" not in page and "https://example.org/s.css" not in page
    reader_only = tmp_path / "reader-only"
    export(db_path, "--format", "html", "--reader-only", "--output", str(reader_only))
    assert not list((reader_only / "captures").glob("*.page.html"))
