"""Commands that capture: save, import, retry (and failures, which lists what retry retries)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from archiver import store
from archiver.cli.options import (
    bulk_options,
    capture_options,
    cookies_option,
    db_option,
    json_option,
    open_archive,
    run_settings,
    settings_from,
)
from archiver.cli.report import LineProgress, NoBar, Summary, clear_bar_line, print_result
from archiver.urls import InvalidURL, check_archivable


@click.command()
@click.argument("urls", nargs=-1)
@click.option("-f", "--from-file", type=click.File("r", encoding="utf-8"), multiple=True,
              help="Read URLs from this file, one a line (# comments and blank lines skipped).")
@db_option
@capture_options
@cookies_option
@bulk_options
@json_option
def save(urls: tuple[str, ...], from_file: tuple[Any, ...], db_path: Path, as_json: bool,
         **options: Any) -> None:
    """Archive web pages: screenshot, rendered HTML and article text.

    URLS are web addresses; "-" reads more of them from standard input, one a line
    (blank lines and lines starting with # are skipped). Prints each new capture's id
    and title. Exits with status 1 if any URL failed or was blocked by a wall (a bot
    challenge, a login form ...: see `archiver failures`).

    A URL named on the command line is captured again each time (every version is
    kept); URLs read from a file or stdin that are already archived are skipped unless
    --recapture is given, so an interrupted list resumes where it stopped.

    \b
    Example:
        archiver save https://example.org/article
        archiver save --from-file urls.txt --concurrency 4 --retries 2
        cat urls.txt | archiver save - --json
        archiver save --cookies cookies.txt https://example.org/members-only
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
    capture_batch(db_path, jobs, bad + bad_listed, as_json, options)


def capture_batch(db_path: Path, jobs: list[Any], bad: list[tuple[str, str]], as_json: bool,
                  options: dict[str, Any]) -> None:
    """Capture jobs with a progress bar; print results, then a summary; exit 1 on failures."""
    from archiver.save import run_jobs, without_archived

    for url, reason in bad:
        if as_json:
            click.echo(json.dumps({"id": None, "url": url, "title": None, "status": "failed",
                                   "error": reason}))
        click.secho(f"skipped: {reason}", err=True, fg="red")
    db = open_archive(db_path, create=True)
    jobs, skipped = without_archived(db, jobs, options["recapture"])
    summary = Summary(total=len(jobs), skipped=skipped, invalid=len(bad))
    batch = run_settings(options)
    show_progress = options["progress"]
    if show_progress is None:
        show_progress = sys.stderr.isatty() and len(jobs) > 1

    on_terminal = sys.stderr.isatty()

    def on_result(result: Any) -> None:
        summary.add(result)
        if show_progress and on_terminal:
            clear_bar_line()
        print_result(result, as_json)
        bar.update(1, result)

    progress: Any = NoBar()
    if show_progress and on_terminal:
        progress = click.progressbar(length=len(jobs), file=sys.stderr, label="Archiving",
                                     show_pos=True, show_eta=True, item_show_func=summary.line)
    elif show_progress:
        progress = LineProgress(len(jobs), summary)
    with progress as bar:
        try:
            asyncio.run(run_jobs(db, settings_from(options), batch, jobs, on_result))
        except KeyboardInterrupt:
            summary.print()
            click.echo("Interrupted. What was saved is kept; run the same command again to "
                       "continue (archived URLs from files, stdin and imports are skipped).",
                       err=True)
            sys.exit(130)
    summary.print()
    if summary.failed or summary.blocked or bad:
        sys.exit(1)


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


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt",
              type=click.Choice(["netscape", "pocket", "pinboard", "urls", "wacz", "warc"]),
              help="The file's format (default: guessed from its name and content).")
@click.option("--tag", "extra_tags", multiple=True, help="Add this tag to every capture.")
@click.option("--render", type=click.Choice(["scripted", "all", "none"]), default="scripted",
              show_default=True,
              help="WACZ/WARC: render pages in Chromium against the archive alone, to keep what "
                   "their scripts showed: those whose page or frames run scripts, all, or none "
                   "(the HTML as served).")
@db_option
@capture_options
@cookies_option
@bulk_options
@json_option
def import_command(file: Path, fmt: str | None, extra_tags: tuple[str, ...], render: str,
                   db_path: Path, as_json: bool, **options: Any) -> None:
    """Archive every URL of a bookmark export, keeping its tags and dates; or import the
    pages of a web archive (WACZ, WARC).

    Reads a browser's bookmark export (Netscape HTML: folders become tags), Pocket's CSV,
    Pinboard's JSON, or a plain list of URLs. The whole file is checked before anything
    is saved; a bookmark whose URL cannot be archived is reported with its line and the
    others are archived (exit status 1). URLs already archived are skipped (unless
    --recapture); a rerun after an interruption picks up where it stopped.

    A .wacz (Browsertrix Crawler, ArchiveWeb.page) or .warc/.warc.gz file is not captured
    again: each of its pages becomes a capture with its resources, time and status as
    recorded (importing the same file twice adds nothing). Damaged records are reported
    with their offset and left out. Pages whose scripts shape them are rendered once in
    Chromium against the archive alone (nothing is fetched), so that they replay as the
    crawler's browser showed them (--render).

    \b
    Example:
        archiver import bookmarks.html --concurrency 4
        archiver import pocket.csv --tag pocket
        archiver import crawl.wacz --tag crawl
    """
    from archiver import imports
    from archiver.cli import warc
    from archiver.save import Job

    if warc.is_web_archive(file, fmt):
        warc.run_import(open_archive(db_path, create=True), file, list(extra_tags), as_json,
                        options["progress"], warc.render_settings(render, options))
        return

    bookmarks = imports.parse(file.name, file.read_bytes(), fmt)
    click.echo(f"{file.name}: {len(bookmarks)} bookmarks.", err=True)
    jobs = [Job(b.url, tags=[*b.tags, *extra_tags], bookmarked_at=b.added, title=b.title)
            for b in bookmarks if not b.problem]
    bad = [(b.url, f"{file.name}: {b.problem}") for b in bookmarks if b.problem]
    capture_batch(db_path, jobs, bad, as_json, options)


@click.command()
@db_option
@json_option
def failures(db_path: Path, as_json: bool) -> None:
    """List pages whose latest capture failed, and why; then those a wall blocked (a bot
    challenge, a login wall, a consent page, a soft 404, an empty app shell), by kind.

    \b
    Example:
        archiver failures
        archiver retry
        archiver retry --cookies cookies.txt
    """
    from archiver.walls import ADVICE, LABELS

    rows = store.failures(open_archive(db_path))
    order = list(LABELS)
    rows.sort(key=lambda r: (r["wall"] is not None, order.index(r["wall"])
                             if r["wall"] in order else -1, r["id"]))
    kinds: dict[str, int] = {}
    for row in rows:
        if row["wall"]:
            label = LABELS.get(row["wall"], row["wall"])
            kinds[label] = kinds.get(label, 0) + 1
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{row['id']}\t{row['url']}\t{row['error']}")
    if not rows:
        click.echo("No failures.", err=True)
    elif kinds:
        counts = ", ".join(f"{n} {label}" for label, n in kinds.items())
        click.echo(f"Walls: {counts}. To get past them: {ADVICE}; then `archiver retry`.",
                   err=True)


@click.command()
@db_option
@capture_options
@cookies_option
@bulk_options
@json_option
def retry(db_path: Path, as_json: bool, **options: Any) -> None:
    """Capture again every page whose latest capture failed or was blocked by a wall.

    \b
    Example:
        archiver retry --retries 2
        archiver retry --cookies cookies.txt   # past login walls and paywalls
    """
    from archiver.save import Job

    jobs = [Job(row["url"], recapture=True) for row in store.failures(open_archive(db_path))]
    if not jobs:
        click.echo("No failures to retry.", err=True)
        return
    capture_batch(db_path, jobs, [], as_json, options)
