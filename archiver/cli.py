"""The `archiver` command. The only module that turns library errors into CLI messages.

Data goes to stdout, progress and errors to stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from archiver import __version__, store
from archiver.capture import CaptureSettings
from archiver.errors import ArchiverError
from archiver.urls import InvalidURL, check_archivable

DEFAULT_DB = Path("db") / "archive.db"
F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
        envvar="ARCHIVER_DB", default=DEFAULT_DB, show_default=True,
        help="The archive database (env ARCHIVER_DB).",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def capture_options(func: F) -> F:
    options = [
        click.option("--browser", envvar="ARCHIVER_BROWSER", metavar="PATH",
                     help="Chromium/Chrome executable (env ARCHIVER_BROWSER). Default: "
                          "Playwright's Chromium, else one on PATH."),
        click.option("--timeout", type=float, default=30.0, show_default=True,
                     help="Seconds the page itself may take to answer."),
        click.option("--request-timeout", type=float, default=10.0, show_default=True,
                     help="Seconds each image, script or stylesheet may take."),
        click.option("--page-deadline", type=float, default=90.0, show_default=True,
                     help="Seconds for the whole capture of one page, whatever happens."),
        click.option("--width", type=int, default=1280, show_default=True,
                     help="Viewport width in pixels."),
        click.option("--height", type=int, default=800, show_default=True,
                     help="Viewport height in pixels."),
        click.option("--user-agent", help="User-Agent header (default: the browser's own)."),
        click.option("--no-screenshot", is_flag=True, help="Don't take a screenshot."),
        click.option("--no-consent-handling", is_flag=True,
                     help="Leave cookie/consent prompts as the site shows them."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def settings_from(options: dict[str, Any]) -> CaptureSettings:
    return CaptureSettings(
        browser_path=options["browser"],
        nav_timeout=options["timeout"],
        request_timeout=options["request_timeout"],
        page_deadline=options["page_deadline"],
        viewport_width=options["width"],
        viewport_height=options["height"],
        user_agent=options["user_agent"],
        screenshot=not options["no_screenshot"],
        consent_handling=not options["no_consent_handling"],
    )


def open_archive(db_path: Path) -> Any:
    try:
        return store.open_db(db_path)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archiver")
def cli() -> None:
    """A personal web archive: capture pages in Chromium, keep them in one SQLite file,
    explore them in Datasette.

    \b
    Example:
        archiver save https://example.org/article
        archiver serve
    """


@cli.command()
@click.argument("urls", nargs=-1, required=True)
@db_option
@capture_options
@click.option("-c", "--concurrency", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Pages captured at the same time.")
@json_option
def save(urls: tuple[str, ...], db_path: Path, concurrency: int, as_json: bool,
         **options: Any) -> None:
    """Archive web pages: screenshot, rendered HTML and article text.

    URLS are web addresses; "-" reads more of them from standard input, one a line
    (blank lines and lines starting with # are skipped). Prints each new capture's id
    and title. Exits with status 1 if any URL failed.

    \b
    Example:
        archiver save https://example.org/article
        cat urls.txt | archiver save - --json
    """
    from archiver.save import save_urls

    targets, bad = _targets(urls)
    for url, reason in bad:
        if as_json:
            click.echo(json.dumps({"id": None, "url": url, "title": None, "status": "failed",
                                   "error": reason}))
        click.secho(f"skipped: {reason}", err=True, fg="red")
    db = open_archive(db_path)
    failed = len(bad)

    async def run() -> int:
        count = 0
        async for result in save_urls(db, targets, settings_from(options), concurrency):
            count += result.status == "failed"
            _print_result(result, as_json)
        return count

    if targets:
        try:
            failed += asyncio.run(run())
        except ArchiverError as exc:
            raise click.ClickException(str(exc)) from exc
    if failed:
        click.secho(f"{failed} of {len(targets) + len(bad)} URL(s) failed.", err=True, fg="red")
        sys.exit(1)


def _targets(urls: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """Expand "-" into lines of stdin and check each URL: (good URLs, [(bad URL, reason)])."""
    raw: list[str] = []
    for url in urls:
        if url == "-":
            raw.extend(line.strip() for line in sys.stdin)
        else:
            raw.append(url)
    good: list[str] = []
    bad: list[tuple[str, str]] = []
    for url in raw:
        if not url or url.startswith("#"):
            continue
        try:
            good.append(check_archivable(url))
        except InvalidURL as exc:
            bad.append((url, str(exc)))
    return good, bad


def _print_result(result: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    if result.status == "failed":
        click.secho(f"failed: {result.url}: {result.error}", err=True, fg="red")
        if result.id is not None:
            click.echo(f"{result.id}\tfailed\t{result.url}")
        return
    click.echo(f"{result.id}\t{result.title or '(no title)'}")
    if result.status == "partial":
        click.secho(f"partial: {result.url}: {result.error}", err=True, fg="yellow")


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on.")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port.")
@click.option("--open", "open_browser", is_flag=True, help="Open a web browser.")
def serve(db_path: Path, host: str, port: int, open_browser: bool) -> None:
    """Explore the archive in Datasette (with full-text search).

    \b
    Example:
        archiver serve --port 8001
    """
    open_archive(db_path).close()
    args = [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host,
            "--port", str(port), "--setting", "truncate_cells_html", "120",
            "--setting", "default_page_size", "50"]
    if open_browser:
        args.append("--open")
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    try:
        raise SystemExit(subprocess.call(args))
    except KeyboardInterrupt:
        raise SystemExit(0) from None


@cli.command()
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
    try:
        hits = store.search(db, query, limit)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    for hit in hits:
        if as_json:
            click.echo(json.dumps(hit, ensure_ascii=False))
        else:
            click.echo(f"{hit['id']}\t{hit['title'] or '(no title)'}\t{hit['url']}")
            click.echo(f"\t{hit['snippet']}")
    if not hits:
        click.echo(f"No captures match {query!r}.", err=True)


@cli.command()
@click.argument("capture_id", type=int)
@db_option
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the screenshot (PNG) to this file.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the raw HTML snapshot (the DOM as rendered) to this file.")
@click.option("--body", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the response body as served (PDF, image, text ...) to this file.")
@json_option
def show(capture_id: int, db_path: Path, screenshot: Path | None, html_file: Path | None,
         body: Path | None, as_json: bool) -> None:
    """Show one capture: its metadata and article text.

    \b
    Example:
        archiver show 12
        archiver show 12 --screenshot page.png --html page.html
    """
    db = open_archive(db_path)
    try:
        row = store.get_capture(db, capture_id)
        for path, column in ((screenshot, "screenshot_hash"), (html_file, "snapshot_hash"),
                             (body, "body_hash")):
            if path is not None:
                _write_blob(db, row, column, path)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
    elif not (screenshot or html_file or body):
        _print_capture(row)


def _write_blob(db: Any, row: dict[str, Any], column: str, path: Path) -> None:
    what = {"screenshot_hash": "screenshot", "snapshot_hash": "HTML snapshot",
            "body_hash": "response body"}[column]
    if not row[column]:
        raise ArchiverError(f"Capture {row['id']} has no {what}.")
    path.write_bytes(store.get_blob(db, row[column]).content)
    click.echo(f"Wrote the {what} of capture {row['id']} to {path}", err=True)


def _print_capture(row: dict[str, Any]) -> None:
    fields = ["id", "url", "final_url", "status", "error", "http_status", "content_type",
              "title", "byline", "published", "lang", "site_name", "word_count",
              "captured_at", "duration_ms", "source", "consent_action", "extraction_error"]
    for name in fields:
        if row.get(name) not in (None, ""):
            click.echo(f"{name + ':':<17}{row[name]}")
    if row.get("text"):
        click.echo()
        click.echo(row["text"])


@cli.command("extract")
@click.argument("file", type=click.File("rb"), default="-")
@click.option("--url", help="The page's URL: the base for relative links.")
@click.option("--html", "as_html", is_flag=True, help="Print the sanitized article HTML.")
@json_option
def extract_command(file: Any, url: str | None, as_html: bool, as_json: bool) -> None:
    """Extract the article from a saved HTML file (or stdin) without archiving it.

    \b
    Example:
        archiver extract page.html --url https://example.org/article
        curl -s https://example.org/ | archiver extract - --json
    """
    from dataclasses import asdict

    from archiver.extract import extract

    raw = file.read()
    html = raw.decode("utf-8", errors="replace")
    try:
        article = extract(html, url=url)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(asdict(article), ensure_ascii=False, indent=2))
    elif as_html:
        click.echo(article.html)
    else:
        click.echo(article.text)


@cli.command()
def setup() -> None:
    """Install what capturing needs: Playwright's Chromium (falls back to a system Chromium).

    \b
    Example:
        archiver setup
    """
    from archiver.capture import find_browser

    click.echo("Installing Playwright's Chromium ...", err=True)
    code = subprocess.call([sys.executable, "-m", "playwright", "install", "chromium"])
    try:
        path = find_browser(os.environ.get("ARCHIVER_BROWSER"), _playwright_chromium())
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    if code != 0:
        click.echo(f"Playwright could not download its Chromium; using {path}.", err=True)
    click.echo(f"Browser: {path}")


def _playwright_chromium() -> str | None:
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as p:
            return p.chromium.executable_path
    except Error:
        return None
