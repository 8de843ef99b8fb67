"""Commands that read or annotate the archive: search, show, extract, tag, untag, note, mark,
delete, vacuum, recompress, export. Tags, notes and states belong to pages; a capture id names
its page."""

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
    """Full-text search, best matches first: one hit a page, its best-matching version.

    Each hit is the capture id of that version, its title and URL, the date of the version
    and how many versions the page has, then a snippet with the matches in [brackets]. Your
    highlights and notes are searched too.
    With --json, one JSON record a page.

    \b
    Example:
        archiver search "moskau ankara"
    """
    db = open_archive(db_path)
    hits = store.search_pages(db, query, limit=limit)
    for hit in hits:
        hit["snippet"] = (hit["snippet"].replace(store.SNIPPET_START, "[")
                          .replace(store.SNIPPET_END, "]"))
        if as_json:
            click.echo(json.dumps(_search_record(hit), ensure_ascii=False))
        else:
            versions = f", {hit['versions']} versions" if hit["versions"] > 1 else ""
            click.echo(f"{hit['id']}\t{hit['title'] or '(no title)'}\t{hit['url']}")
            where = MATCHED_IN.get(hit.get("matched") or "", "")
            click.echo(f"\t{hit['captured_at'][:10]}{versions}: {where}"
                       f"{' '.join(hit['snippet'].split())}")
    if not hits:
        click.echo(f"No pages match {query!r}.", err=True)


SEARCH_FIELDS = ("page_id", "id", "url", "title", "site", "captured_at", "status", "versions",
                 "state", "favourite", "tags", "lang", "word_count", "snippet", "matched",
                 "score")
MATCHED_IN = {"highlight": "(in a highlight) ", "note": "(in the note) "}


def _search_record(hit: dict[str, Any]) -> dict[str, Any]:
    """A hit as `search --json` prints it: the page and its best-matching version (`id`)."""
    record = {key: hit.get(key) for key in SEARCH_FIELDS}
    record["favourite"] = bool(record["favourite"])
    return record


@click.command()
@click.argument("capture_id", type=int)
@db_option
@click.option("--page", "page_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the archived page as one self-contained HTML file (its stylesheets, "
                   "images, fonts and frames inlined; no scripts) that opens offline.")
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the screenshot to this file (as stored: WebP, PNG or JPEG).")
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
        archiver show 12 --screenshot page.webp --html page.html
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
    page = store.get_page(db, row["page_id"])
    versions = store.page_versions(db, row["page_id"])
    if as_json:
        page["versions"] = versions
        click.echo(json.dumps({**row, "page": page}, ensure_ascii=False, indent=2))
    elif not (page_file or screenshot or html_file or body):
        _print_capture(row, page, versions)


BLOB_NAMES = {"screenshot": "screenshot", "snapshot": "HTML snapshot", "body": "response body"}


def _write_blob(db: Any, row: dict[str, Any], kind: str, path: Path) -> None:
    blob = store.capture_blob(db, row["id"], kind)
    if blob is None:
        raise ArchiverError(f"Capture {row['id']} has no {BLOB_NAMES[kind]}.")
    path.write_bytes(blob.content)
    click.echo(f"Wrote the {BLOB_NAMES[kind]} of capture {row['id']} to {path}", err=True)


def _print_capture(row: dict[str, Any], page: dict[str, Any],
                   versions: list[dict[str, Any]]) -> None:
    fields = ["id", "url", "final_url", "status", "error", "http_status", "content_type",
              "title", "byline", "published", "lang", "site_name", "word_count",
              "captured_at", "duration_ms", "source", "consent_action", "extraction_path",
              "extraction_error"]
    for name in fields:
        if row.get(name) not in (None, ""):
            click.echo(f"{name + ':':<17}{row[name]}")
    click.echo(f"{'resources:':<17}{_resources_line(row)}")
    _print_page(page, versions, row["id"])
    if row.get("text"):
        click.echo()
        click.echo(row["text"])


def _print_page(page: dict[str, Any], versions: list[dict[str, Any]], shown: int) -> None:
    """What the user said about the page, and its versions (this one marked)."""
    state = page["state"] + (", favourite" if page["favourite"] else "")
    click.echo(f"{'page:':<17}{page['id']} ({state})")
    click.echo(f"{'tags:':<17}{', '.join(page['tags']) or '(none)'}")
    if page.get("note"):
        lines = page["note"].splitlines() or [""]
        click.echo(f"{'note:':<17}{lines[0]}")
        for line in lines[1:]:
            click.echo(f"{'':<17}{line}")
    click.echo(f"{'versions:':<17}{len(versions)}")
    for version in versions:
        mark = "*" if version["id"] == shown else " "
        when = version["captured_at"][:19].replace("T", " ")
        click.echo(f"{'':<15}{mark} {version['id']:>6}  {when}  {version['status']}")


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


def _pages(db: Any, refs: tuple[str, ...]) -> list[int]:
    return list(dict.fromkeys(store.resolve_page(db, ref) for ref in refs))


@click.command()
@click.argument("page", metavar="ID|URL")
@click.argument("tags", nargs=-1, required=True)
@db_option
def tag(page: str, tags: tuple[str, ...], db_path: Path) -> None:
    """Tag a page (a capture id means its page: every version). Prints the page's tags
    afterwards, one a line.

    \b
    Example:
        archiver tag 12 climate "to read"
        archiver tag https://example.org/a climate
    """
    db = open_archive(db_path)
    page_id = store.resolve_page(db, page)
    store.add_tags(db, [page_id], tags)
    _echo_tags(store.page_tags(db, page_id))


@click.command()
@click.argument("page", metavar="ID|URL")
@click.argument("tags", nargs=-1, required=True)
@db_option
def untag(page: str, tags: tuple[str, ...], db_path: Path) -> None:
    """Take tags off a page. Prints the tags it still has, one a line.

    \b
    Example:
        archiver untag 12 "to read"
    """
    db = open_archive(db_path)
    page_id = store.resolve_page(db, page)
    store.remove_tags(db, [page_id], tags)
    _echo_tags(store.page_tags(db, page_id))


def _echo_tags(tags: list[str]) -> None:
    for name in tags:
        click.echo(name)


@click.command()
@click.argument("page", metavar="ID|URL")
@click.argument("text")
@db_option
def note(page: str, text: str, db_path: Path) -> None:
    """Set the note of a page ("" clears it; "-" reads it from stdin).

    \b
    Example:
        archiver note 12 "Compare with the version from May"
    """
    db = open_archive(db_path)
    store.set_note(db, store.resolve_page(db, page), sys.stdin.read() if text == "-" else text)


@click.command()
@click.argument("state", type=click.Choice([*store.STATES, "favourite", "unfavourite"]))
@click.argument("pages", nargs=-1, required=True, metavar="ID|URL...")
@db_option
def mark(state: str, pages: tuple[str, ...], db_path: Path) -> None:
    """Mark pages read, unread or archived, or (un)favourite them.

    \b
    Example:
        archiver mark read 12 14
        archiver mark favourite https://example.org/a
    """
    db = open_archive(db_path)
    page_ids = _pages(db, pages)
    if state in ("favourite", "unfavourite"):
        store.set_favourite(db, page_ids, state == "favourite")
    else:
        store.set_state(db, page_ids, state)


@click.command()
@click.argument("pages", nargs=-1, metavar="ID|URL...")
@click.option("--version", "versions", type=int, multiple=True, metavar="ID",
              help="Delete only this capture (one version of its page); repeatable.")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@click.option("-y", "--yes", is_flag=True, help="Don't ask for confirmation.")
@db_option
@json_option
def delete(pages: tuple[str, ...], versions: tuple[int, ...], dry_run: bool, yes: bool,
           db_path: Path, as_json: bool) -> None:
    """Delete pages with all their versions (a capture id means its page), or single versions
    with --version: their resources, screenshots, full-text rows, tags, notes, and every
    stored file that nothing else in the archive refers to (files shared with other pages
    stay, so those still replay). The file shrinks with `archiver vacuum`.

    \b
    Example:
        archiver delete 12 https://example.org/a --dry-run
        archiver delete --version 14 --yes
    """
    if not pages and not versions:
        raise click.UsageError("Name the pages (ID or URL) to delete, or --version ID.")
    db = open_archive(db_path)
    page_ids = _pages(db, pages)
    plan = _delete(db, page_ids, versions, dry_run=True)
    if not dry_run and not yes:
        _confirm_delete(plan)
    done = plan if dry_run else _delete(db, page_ids, versions, dry_run=False)
    if as_json:
        click.echo(json.dumps(done.as_json()))
    click.echo(_deleted_sentence(done), err=True)


def _delete(db: Any, page_ids: list[int], versions: tuple[int, ...],
            dry_run: bool) -> store.Deleted:
    if page_ids and versions:
        ids = [r[0] for page_id in page_ids for r in db.execute(
            "SELECT id FROM captures WHERE page_id = ?", [page_id]).fetchall()]
        return store.delete_captures(db, [*ids, *versions], dry_run, pages=page_ids)
    if page_ids:
        return store.delete_pages(db, page_ids, dry_run)
    return store.delete_captures(db, list(versions), dry_run)


def _confirm_delete(plan: store.Deleted) -> None:
    click.echo(_deleted_sentence(plan, planned=True), err=True)
    if not sys.stdin.isatty():
        raise ArchiverError("Nothing was deleted: add --yes to delete without being asked "
                            "(or --dry-run to see what would go).")
    click.confirm("Delete?", abort=True, err=True)


def _deleted_sentence(done: store.Deleted, planned: bool = False) -> str:
    what = (f"{len(done.captures)} capture(s) ({done.resources} resources) and "
            f"{len(done.pages)} page(s)")
    freed = f"{done.blobs} stored file(s), {done.blob_bytes / 1e6:.1f} MB"
    if planned or done.dry_run:
        return f"Would delete {what}, freeing {freed}."
    return (f"Deleted {what}; freed {freed} inside the archive (`archiver vacuum` gives the "
            "space back to the disk).")


@click.command()
@db_option
def vacuum(db_path: Path) -> None:
    """Give the space freed by deletions back to the disk (rewrites the archive file; needs
    as much free space as the file, and no other program writing to it).

    \b
    Example:
        archiver vacuum
    """
    db = open_archive(db_path)
    done = store.vacuum(db, db_path)
    click.echo(f"{db_path}: {done.before / 1e6:.1f} MB -> {done.after / 1e6:.1f} MB", err=True)


@click.command()
@db_option
@click.option("--format", "image_format", type=click.Choice(["webp", "jpeg"]), default="webp",
              show_default=True, help="What the PNG screenshots become.")
@click.option("--quality", type=click.IntRange(1, 100), default=80, show_default=True,
              help="Of lossy WebP and JPEG. WebP keeps the smaller of lossless and lossy "
                   "(text is smaller lossless); 100: lossless.")
@click.option("--scale", type=click.FloatRange(0.25, 1.0), default=1.0, show_default=True,
              help="Also shrink them to this share of their width and height (new captures "
                   "are drawn at 0.75); 1.0 keeps every pixel.")
@click.option("--lossless-webp", is_flag=True,
              help="Also repack the lossless WebP screenshots (pages of text and drawings; "
                   "Chromium encodes them quickly, not small) at their size: about half the "
                   "bytes, the picture kept (a palette of 256 colours only where no colour "
                   "moves visibly).")
@click.option("--dry-run", is_flag=True,
              help="Convert, count the bytes, change nothing.")
@json_option
def recompress(db_path: Path, image_format: str, quality: int, scale: float,
               lossless_webp: bool, dry_run: bool, as_json: bool) -> None:
    """Convert the archive's PNG screenshots (captures made before WebP was the default, or
    with --screenshot-format png) to WebP or JPEG, and delete the PNGs nothing else refers
    to; with --lossless-webp, repack its lossless WebPs into smaller ones too. Reports the
    bytes before and after; a screenshot that would not get smaller stays. About a second of
    CPU a screenshot; the file shrinks with `archiver vacuum`.

    \b
    Example:
        archiver recompress --dry-run
        archiver recompress --lossless-webp && archiver vacuum
    """
    db = open_archive(db_path)
    done = store.recompress(db, image_format, quality, dry_run=dry_run, scale=scale,
                            lossless_webp=lossless_webp)
    if as_json:
        click.echo(json.dumps(done.as_json()))
    verb = "Would convert" if dry_run else "Converted"
    how = f"quality {quality}" + (f", scale {scale:g}" if scale < 1 else "")
    repacked = (f" and {'repack' if dry_run else 'repacked'} {done.repacked} lossless WebP "
                "screenshot(s)" if lossless_webp else "")
    click.echo(f"{verb} {done.screenshots} PNG screenshot(s){repacked} of {done.captures} "
               f"capture(s) to {image_format} ({how}): {done.bytes_before / 1e6:.1f} MB -> "
               f"{done.bytes_after / 1e6:.1f} MB"
               + (f"; deleted {done.blobs_deleted} old picture(s)" if not dry_run else "")
               + (f"; {len(done.failed)} left as they were" if done.failed else "") + ".",
               err=True)
    for reason in done.failed[:10]:
        click.echo(f"  kept {reason}", err=True)


@click.command("export")
@db_option
@click.option("--format", "fmt",
              type=click.Choice(["jsonl", "markdown", "html", "wacz", "warc", "annotations"]),
              default="jsonl", show_default=True,
              help="jsonl: one JSON object a line; markdown: a .md file per capture with YAML "
                   "front matter; html: a static reader copy (index.html + a page per capture); "
                   "wacz: a web archive package (ReplayWeb.page, pywb); warc: a .warc.gz; "
                   "annotations: the highlights as W3C Web Annotations (one JSON-LD file).")
@click.option("-q", "--query", help="Only the captures matching this full-text search.")
@click.option("--since", metavar="DATE",
              help="Only captures taken on or after DATE (YYYY-MM-DD, UTC).")
@click.option("--all-versions", is_flag=True,
              help="jsonl, markdown, html: every capture of every page, not only each page's "
                   "newest good version (wacz and warc always hold every capture).")
@click.option("--reader-only", is_flag=True,
              help="html: only the reader pages, not each capture's archived page.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File (jsonl, wacz, warc, annotations) or folder (markdown, html) "
                   "to write.")
def export_command(db_path: Path, fmt: str, query: str | None, since: str | None,
                   all_versions: bool, reader_only: bool, output: Path) -> None:
    """Write the archive (or a search's hits) out as JSON lines, Markdown, static HTML, or a
    web archive (WACZ, WARC) that other web-archive tools open.

    \b
    Example:
        archiver export --format html --output archive-site/
        archiver export --format jsonl --query "climate" --output climate.jsonl
        archiver export --format wacz --since 2026-01-01 --output 2026.wacz
        archiver export --format annotations --output highlights.jsonld
    """
    from archiver.export import export

    db = open_archive(db_path)
    if fmt in ("wacz", "warc"):
        from archiver.cli import warc

        warc.run_export(db, fmt, output, query, since)
        return
    count = export(db, fmt, output, query, since, pages=not reader_only,
                   all_versions=all_versions)
    what = "capture(s)" if all_versions else "page(s)"
    if fmt == "annotations":
        what = "highlight(s)"
    click.echo(f"Exported {count} {what} to {output}", err=True)
