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
        click.option("--compact-screenshots", is_flag=True,
                     help="Smaller screenshot PNGs (about 25 % fewer bytes), slower to encode."),
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
        fast_screenshots=not options["compact_screenshots"],
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


def bulk_options(func: F) -> F:
    options = [
        click.option("-c", "--concurrency", type=click.IntRange(1, 32), default=4,
                     show_default=True, help="Pages captured at the same time."),
        click.option("--retries", type=click.IntRange(0, 10), default=0, show_default=True,
                     help="Try failed pages again this often (network errors, 5xx, 429)."),
        click.option("--per-host", type=click.IntRange(1, 32), default=2, show_default=True,
                     help="Pages of one site captured at the same time."),
        click.option("--recapture", is_flag=True,
                     help="Capture URLs again even if they are already archived."),
        click.option("--progress/--no-progress", default=None,
                     help="Progress bar on stderr (default: when stderr is a terminal)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("-f", "--from-file", type=click.File("r", encoding="utf-8"), multiple=True,
              help="Read URLs from this file, one a line (# comments and blank lines skipped).")
@db_option
@capture_options
@bulk_options
@json_option
def save(urls: tuple[str, ...], from_file: tuple[Any, ...], db_path: Path, as_json: bool,
         **options: Any) -> None:
    """Archive web pages: screenshot, rendered HTML and article text.

    URLS are web addresses; "-" reads more of them from standard input, one a line
    (blank lines and lines starting with # are skipped). Prints each new capture's id
    and title. Exits with status 1 if any URL failed.

    A URL named on the command line is captured again each time (every version is
    kept); URLs read from a file or stdin that are already archived are skipped unless
    --recapture is given, so an interrupted list resumes where it stopped.

    \b
    Example:
        archiver save https://example.org/article
        archiver save --from-file urls.txt --concurrency 4 --retries 2
        cat urls.txt | archiver save - --json
    """
    from archiver.save import Job

    named, bad = _targets(tuple(u for u in urls if u != "-"))
    listed = [line.strip() for file in from_file for line in file]
    if "-" in urls:
        listed.extend(line.strip() for line in sys.stdin)
    from_lists, bad_listed = _targets(tuple(listed))
    if not (named or from_lists or bad or bad_listed):
        raise click.UsageError("Give at least one URL, \"-\" for stdin, or --from-file FILE.")
    jobs = [Job(url, recapture=True) for url in named] + [Job(url) for url in from_lists]
    _run_jobs(db_path, jobs, bad + bad_listed, as_json, options)


def _run_jobs(db_path: Path, jobs: list[Any], bad: list[tuple[str, str]], as_json: bool,
              options: dict[str, Any]) -> None:
    """Capture jobs with a progress bar; print results, then a summary; exit 1 on failures."""
    from archiver.save import Runner

    for url, reason in bad:
        if as_json:
            click.echo(json.dumps({"id": None, "url": url, "title": None, "status": "failed",
                                   "error": reason}))
        click.secho(f"skipped: {reason}", err=True, fg="red")
    db = open_archive(db_path)
    jobs, skipped = _without_archived(db, jobs, options.pop("recapture"))
    summary = Summary(total=len(jobs), skipped=skipped, invalid=len(bad))
    runner = Runner(db, settings_from(options), options["concurrency"], options["retries"],
                    per_host=options["per_host"])
    show_progress = options["progress"]
    if show_progress is None:
        show_progress = sys.stderr.isatty() and len(jobs) > 1

    def on_result(result: Any) -> None:
        summary.add(result)
        bar.update(1, result)
        _print_result(result, as_json)

    progress: Any = _NoBar()
    if show_progress:
        progress = click.progressbar(length=len(jobs), file=sys.stderr, label="Archiving",
                                     show_pos=True, show_eta=True, item_show_func=summary.line)
    with progress as bar:
        try:
            asyncio.run(runner.run(jobs, on_result))
        except ArchiverError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            summary.print()
            click.echo("Interrupted. What was saved is kept; run the same command again to "
                       "continue (archived URLs from files, stdin and imports are skipped).",
                       err=True)
            sys.exit(130)
    summary.print()
    if summary.failed or bad:
        sys.exit(1)


class _NoBar:
    """Stands in for the progress bar when it is off."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, steps: int, item: Any = None) -> None:
        pass


def _without_archived(db: Any, jobs: list[Any], recapture: bool) -> tuple[list[Any], int]:
    """Drop duplicate URLs, and (unless `recapture`) URLs that are already archived."""
    from archiver.urls import normalize

    unique: dict[str, Any] = {}
    for job in jobs:
        unique.setdefault(normalize(job.url), job)
    archived = set() if recapture else store.archived_urls(db, unique)
    kept = [job for key, job in unique.items() if job.recapture or key not in archived]
    return kept, len(jobs) - len(kept)


class Summary:
    """Counts for the end of a run: saved, skipped, failed by reason."""

    def __init__(self, total: int, skipped: int, invalid: int) -> None:
        self.total, self.skipped, self.invalid = total, skipped, invalid
        self.saved = self.partial = self.failed = 0
        self.reasons: dict[str, int] = {}

    def add(self, result: Any) -> None:
        if result.status == "failed":
            self.failed += 1
            reason = _reason_kind(result.error or "unknown")
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        else:
            self.saved += 1
            self.partial += result.status == "partial"

    def line(self, _result: Any = None) -> str:
        return f"{self.saved} saved, {self.failed} failed"

    def print(self) -> None:
        if self.total + self.skipped + self.invalid <= 1:
            return
        parts = [f"{self.saved} saved" + (f" ({self.partial} partial)" if self.partial else ""),
                 f"{self.skipped} skipped as already archived", f"{self.failed} failed"]
        if self.invalid:
            parts.append(f"{self.invalid} invalid")
        click.echo("Done: " + ", ".join(parts) + ".", err=True)
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            click.echo(f"  {count:>5}  {reason}", err=True)


def _reason_kind(error: str) -> str:
    """Group failure messages: "the server answered HTTP 404" -> itself; a long reason ->
    its part before the first parenthesis or colon."""
    return error.split(" (")[0].split(": ")[0][:80]


def _targets(urls: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """Check each URL: (good URLs, [(bad URL, reason)]); blank and # lines are dropped."""
    good: list[str] = []
    bad: list[tuple[str, str]] = []
    for url in urls:
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


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["netscape", "pocket", "pinboard", "urls"]),
              help="The file's format (default: guessed from its name and content).")
@click.option("--tag", "extra_tags", multiple=True, help="Add this tag to every capture.")
@db_option
@capture_options
@bulk_options
@json_option
def import_command(file: Path, fmt: str | None, extra_tags: tuple[str, ...], db_path: Path,
                   as_json: bool, **options: Any) -> None:
    """Archive every URL of a bookmark export, keeping its tags and dates.

    Reads a browser's bookmark export (Netscape HTML: folders become tags), Pocket's CSV,
    Pinboard's JSON, or a plain list of URLs. The whole file is checked before anything
    is saved. URLs already archived are skipped (unless --recapture); a rerun after an
    interruption picks up where it stopped.

    \b
    Example:
        archiver import bookmarks.html --concurrency 4
        archiver import pocket.csv --tag pocket
    """
    from archiver import imports
    from archiver.save import Job

    try:
        bookmarks = imports.parse(file.name, file.read_bytes(), fmt)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{file.name}: {len(bookmarks)} bookmarks.", err=True)
    jobs = [Job(b.url, tags=[*b.tags, *extra_tags], bookmarked_at=b.added, title=b.title)
            for b in bookmarks]
    _run_jobs(db_path, jobs, [], as_json, options)


@cli.command()
@db_option
@json_option
def failures(db_path: Path, as_json: bool) -> None:
    """List pages whose latest capture failed, and why.

    \b
    Example:
        archiver failures
        archiver retry
    """
    rows = store.failures(open_archive(db_path))
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{row['id']}\t{row['url']}\t{row['error']}")
    if not rows:
        click.echo("No failures.", err=True)


@cli.command()
@db_option
@capture_options
@bulk_options
@json_option
def retry(db_path: Path, as_json: bool, **options: Any) -> None:
    """Capture again every page whose latest capture failed.

    \b
    Example:
        archiver retry --retries 2
    """
    from archiver.save import Job

    jobs = [Job(row["url"]) for row in store.failures(open_archive(db_path))]
    options["recapture"] = True
    if not jobs:
        click.echo("No failures to retry.", err=True)
        return
    _run_jobs(db_path, jobs, [], as_json, options)


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on.")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port.")
@click.option("--open", "open_browser", is_flag=True, help="Open a web browser.")
@click.option("--allow-private-targets", is_flag=True, envvar="ARCHIVER_ALLOW_PRIVATE",
              help="Let the extension's \"archive link\" reach localhost and private networks "
                   "(env ARCHIVER_ALLOW_PRIVATE).")
def serve(db_path: Path, host: str, port: int, open_browser: bool,
          allow_private_targets: bool) -> None:
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
    click.echo(f"Serving {db_path}: read and search at http://{host}:{port}/-/archiver/, "
               f"tables at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    click.echo(f"Browser extension: Server URL http://{host}:{port}, Token: run `archiver token`",
               err=True)
    os.environ["ARCHIVER_ALLOW_PRIVATE"] = "1" if allow_private_targets else "0"
    sys.stderr.flush()
    # Datasette replaces this process, so a SIGTERM or Ctrl-C reaches it (a child process
    # would be left running when only this one is stopped).
    os.execv(sys.executable, args)


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
        hits = store.search_captures(db, query, limit=limit)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
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
              "captured_at", "duration_ms", "source", "consent_action", "extraction_path",
              "extraction_error"]
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
@click.option("--no-autoconsent", is_flag=True,
              help="Don't download the cookie-consent rules (capture then uses only the "
                   "built-in fallback).")
def setup(no_autoconsent: bool) -> None:
    """Install what capturing needs: a browser and the cookie-consent rules.

    The browser is Playwright's Chromium; where it cannot be downloaded, an installed
    Chromium or Chrome is used. The consent rules are DuckDuckGo's autoconsent, a pinned
    version fetched from the npm registry and checked against its sha512 (no Node needed).

    \b
    Example:
        archiver setup
    """
    from archiver.capture import find_browser
    from archiver.consent import install_autoconsent

    if not no_autoconsent:
        try:
            click.echo(f"autoconsent: {install_autoconsent()}", err=True)
        except ArchiverError as exc:
            click.secho(f"autoconsent not installed ({exc}); capture will use the built-in "
                        "consent fallback only.", err=True, fg="yellow")
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


@cli.command()
@db_option
@click.option("--rotate", is_flag=True, help="Make a new token; the old one stops working.")
def token(db_path: Path, rotate: bool) -> None:
    """Show the token the browser extension needs (created on first use).

    Paste it into the extension's options (Token). The archive keeps only a hash of it, so it
    is shown once: if it is lost, make a new one with --rotate. It lets the extension save
    captures, nothing else.

    \b
    Example:
        archiver token
        archiver token --rotate
    """
    from archiver import tokens

    db = open_archive(db_path)
    try:
        if tokens.has_token(db) and not rotate:
            raise click.ClickException(
                "This archive has a token already; only its hash is kept, so it cannot be shown "
                "again. `archiver token --rotate` makes a new one (the old one stops working).")
        new = tokens.new_token(db)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(new)
    click.echo("Paste it into the archiver extension's options (Token).", err=True)


# --- tags, notes, export


@cli.command()
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
    try:
        click.echo(" ".join(store.add_tags(db, capture_id, tags)))
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
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
    try:
        click.echo(" ".join(store.remove_tags(db, capture_id, tags)))
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
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
    try:
        store.set_note(db, capture_id, sys.stdin.read() if text == "-" else text)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("export")
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "markdown", "html"]),
              default="jsonl", show_default=True,
              help="jsonl: one JSON object a line; markdown: a .md file per capture with YAML "
                   "front matter; html: a static reader copy (index.html + a page per capture).")
@click.option("-q", "--query", help="Only the captures matching this full-text search.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="File (jsonl) or folder (markdown, html) to write.")
def export_command(db_path: Path, fmt: str, query: str | None, output: Path) -> None:
    """Write the archive (or a search's hits) out as JSON lines, Markdown or static HTML.

    \b
    Example:
        archiver export --format html --output archive-site/
        archiver export --format jsonl --query "climate" --output climate.jsonl
    """
    from archiver.export import export

    db = open_archive(db_path)
    try:
        count = export(db, fmt, output, query)
    except ArchiverError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Exported {count} capture(s) to {output}", err=True)
