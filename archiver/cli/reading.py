"""Commands that read or annotate the archive: search, show, extract, tag, untag, note, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from archiver import store
from archiver.cli.options import db_option, json_option, open_archive
from archiver.errors import ArchiverError


@click.command()
@click.argument("query")
@db_option
@click.option("-n", "--limit", type=int, default=20, show_default=True, help="Most hits shown.")
@json_option
def search(query: str, db_path: Path, limit: int, as_json: bool) -> None:
    """Full-text search, best matches first.

    \b
    Example:
        archiver search "moskau ankara"
    """
    db = open_archive(db_path)
    hits = store.search_captures(db, query, limit=limit)
    for hit in hits:
        hit["snippet"] = (hit["snippet"].replace(store.SNIPPET_START, "[")
                          .replace(store.SNIPPET_END, "]"))
        if as_json:
            click.echo(json.dumps(hit, ensure_ascii=False))
        else:
            click.echo(f"{hit['id']}\t{hit['title'] or '(no title)'}\t{hit['url']}")
            click.echo(f"\t{' '.join(hit['snippet'].split())}")
    if not hits:
        click.echo(f"No captures match {query!r}.", err=True)


@click.command()
@click.argument("capture_id", type=int)
@db_option
@click.option("--page", "page_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the archived page as one self-contained HTML file (its stylesheets, "
                   "images, fonts and frames inlined; no scripts) that opens offline.")
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the screenshot (PNG) to this file.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the raw HTML snapshot (the DOM as rendered) to this file.")
@click.option("--body", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the response body as served (PDF, image, text ...) to this file.")
@json_option
def show(capture_id: int, db_path: Path, page_file: Path | None, screenshot: Path | None,
         html_file: Path | None, body: Path | None, as_json: bool) -> None:
    """Show one capture: its metadata, what it kept, and its article text.

    \b
    Example:
        archiver show 12
        archiver show 12 --page page.html
        archiver show 12 --screenshot page.png --html page.html
    """
    from archiver.replay.singlefile import single_file

    db = open_archive(db_path)
    row = store.get_capture(db, capture_id)
    if page_file is not None:
        page_file.write_text(single_file(db, capture_id), encoding="utf-8")
        click.echo(f"Wrote the archived page of capture {capture_id} to {page_file}", err=True)
    for path, kind in ((screenshot, "screenshot"), (html_file, "snapshot"), (body, "body")):
        if path is not None:
            _write_blob(db, row, kind, path)
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
    elif not (page_file or screenshot or html_file or body):
        _print_capture(row)


BLOB_NAMES = {"screenshot": "screenshot", "snapshot": "HTML snapshot", "body": "response body"}


def _write_blob(db: Any, row: dict[str, Any], kind: str, path: Path) -> None:
    blob = store.capture_blob(db, row["id"], kind)
    if blob is None:
        raise ArchiverError(f"Capture {row['id']} has no {BLOB_NAMES[kind]}.")
    path.write_bytes(blob.content)
    click.echo(f"Wrote the {BLOB_NAMES[kind]} of capture {row['id']} to {path}", err=True)


def _print_capture(row: dict[str, Any]) -> None:
    fields = ["id", "url", "final_url", "status", "error", "http_status", "content_type",
              "title", "byline", "published", "lang", "site_name", "word_count",
              "captured_at", "duration_ms", "source", "consent_action", "extraction_path",
              "extraction_error"]
    for name in fields:
        if row.get(name) not in (None, ""):
            click.echo(f"{name + ':':<17}{row[name]}")
    click.echo(f"{'resources:':<17}{_resources_line(row)}")
    if row.get("text"):
        click.echo()
        click.echo(row["text"])


def _resources_line(row: dict[str, Any]) -> str:
    """Capture quality: what of the page's resources the archive holds."""
    if row.get("resources_status") in (None, "none"):
        return "not recorded (captured before resources were kept, or with --no-resources)"
    stored, skipped = row.get("resources_stored") or 0, row.get("resources_skipped") or 0
    size = (row.get("resources_bytes") or 0) / 1e6
    line = f"{stored} stored ({size:.1f} MB), {skipped} not kept"
    return line + (" (see the resources table for why)" if skipped else "")


@click.command("extract")
@click.argument("file", type=click.File("rb"), default="-")
@click.option("--url", help="The page's URL: the base for relative links.")
@click.option("--html", "as_html", is_flag=True, help="Print the sanitized article HTML.")
@json_option
def extract_command(file: Any, url: str | None, as_html: bool, as_json: bool) -> None:
    """Extract the article from a saved HTML file (or stdin) without archiving it.

    The file is decoded as a browser decodes it: a byte order mark, else its <meta charset>
    or XML declaration, else UTF-8 when it is valid UTF-8, else the encoding detected.

    \b
    Example:
        archiver extract page.html --url https://example.org/article
        curl -s https://example.org/ | archiver extract - --json
    """
    from dataclasses import asdict

    from archiver.extract import extract
    from archiver.warc.decoding import decode_html

    raw = file.read()
    html = decode_html(raw, detect=True)  # BOM, <meta charset> / XML declaration, detection
    article = extract(html, url=url)
    if as_json:
        click.echo(json.dumps(asdict(article), ensure_ascii=False, indent=2))
    elif as_html:
        click.echo(article.html)
    else:
        click.echo(article.text)


@click.command()
@click.argument("capture_id", type=int)
@click.argument("tags", nargs=-1, required=True)
@db_option
def tag(capture_id: int, tags: tuple[str, ...], db_path: Path) -> None:
    """Tag a capture. Prints the tags it has afterwards.

    \b
    Example:
        archiver tag 12 climate "to read"
    """
    db = open_archive(db_path)
    click.echo(" ".join(store.add_tags(db, capture_id, tags)))


@click.command()
@click.argument("capture_id", type=int)
@click.argument("tags", nargs=-1, required=True)
@db_option
def untag(capture_id: int, tags: tuple[str, ...], db_path: Path) -> None:
    """Take tags off a capture. Prints the tags it still has.

    \b
    Example:
        archiver untag 12 "to read"
    """
    db = open_archive(db_path)
    click.echo(" ".join(store.remove_tags(db, capture_id, tags)))


@click.command()
@click.argument("capture_id", type=int)
@click.argument("text")
@db_option
def note(capture_id: int, text: str, db_path: Path) -> None:
    """Set the note of a capture ("" clears it; "-" reads it from stdin).

    \b
    Example:
        archiver note 12 "Compare with the version from May"
    """
    db = open_archive(db_path)
    store.set_note(db, capture_id, sys.stdin.read() if text == "-" else text)


@click.command("export")
@db_option
@click.option("--format", "fmt",
              type=click.Choice(["jsonl", "markdown", "html", "wacz", "warc"]),
              default="jsonl", show_default=True,
              help="jsonl: one JSON object a line; markdown: a .md file per capture with YAML "
                   "front matter; html: a static reader copy (index.html + a page per capture); "
                   "wacz: a web archive package (ReplayWeb.page, pywb); warc: a .warc.gz.")
@click.option("-q", "--query", help="Only the captures matching this full-text search.")
@click.option("--since", metavar="DATE",
              help="Only captures taken on or after DATE (YYYY-MM-DD, UTC).")
@click.option("--reader-only", is_flag=True,
              help="html: only the reader pages, not each capture's archived page.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File (jsonl, wacz, warc) or folder (markdown, html) to write.")
def export_command(db_path: Path, fmt: str, query: str | None, since: str | None,
                   reader_only: bool, output: Path) -> None:
    """Write the archive (or a search's hits) out as JSON lines, Markdown, static HTML, or a
    web archive (WACZ, WARC) that other web-archive tools open.

    \b
    Example:
        archiver export --format html --output archive-site/
        archiver export --format jsonl --query "climate" --output climate.jsonl
        archiver export --format wacz --since 2026-01-01 --output 2026.wacz
    """
    from archiver.export import export

    db = open_archive(db_path)
    if fmt in ("wacz", "warc"):
        from archiver.cli import warc

        warc.run_export(db, fmt, output, query, since)
        return
    count = export(db, fmt, output, query, since, pages=not reader_only)
    click.echo(f"Exported {count} capture(s) to {output}", err=True)
