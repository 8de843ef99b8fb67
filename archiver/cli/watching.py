"""Commands that watch pages: `watch add|list|remove|run` and `changes`.

The clock is read here, at the edge: ARCHIVER_NOW (an ISO time) stands in for "now" (tests,
or a dry look at what would be due tomorrow); the library takes `now`/`clock` arguments.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from archiver import store
from archiver.cli.options import (
    capture_options,
    cookies_option,
    db_option,
    json_option,
    limit_options,
    open_archive,
    run_settings,
    settings_from,
)
from archiver.compare import diff_summary
from archiver.durations import describe, iso, parse_time, since_time

NOW_ENV = "ARCHIVER_NOW"


def clock() -> datetime:
    """Now, or the time ARCHIVER_NOW names."""
    from archiver.watch import system_clock

    fixed = os.environ.get(NOW_ENV)
    return parse_time(fixed) if fixed else system_clock()


@click.group()
def watch() -> None:
    """Watch pages: capture them again on a schedule and say what changed.

    \b
    Example:
        archiver watch add https://example.org/terms --every 1d --tag legal
        archiver watch run        # from cron or a systemd timer; `archiver serve` runs it too
        archiver changes --since 7d
    """


@watch.command("add")
@click.argument("url")
@click.option("--every", default="1d", show_default=True, metavar="DURATION",
              help="How often to check: 30m, 6h, 1d, 1w, 1h30m (at least 5m).")
@click.option("--selector", metavar="CSS",
              help="Compare only the text of this part of the page (e.g. \"main\", "
                   "\"#prices\"); default: the whole article.")
@click.option("--tag", help="Put this tag on the captures of its changes (filter by it).")
@click.option("--ignore-numbers", is_flag=True,
              help="Numbers that change (counters, view counts) are no change.")
@click.option("--ignore-dates", is_flag=True,
              help="Dates and times that change (\"updated 5 minutes ago\") are no change.")
@click.option("--threshold", type=click.IntRange(1), default=1, show_default=True,
              help="Fewest words added + removed that make a change.")
@click.option("--webhook", metavar="URL", help="POST a JSON message here on each change.")
@cookies_option
@db_option
@json_option
def add_command(url: str, every: str, selector: str | None, tag: str | None,
                ignore_numbers: bool, ignore_dates: bool, threshold: int, webhook: str | None,
                cookies: Path | None, db_path: Path, as_json: bool) -> None:
    """Watch a page. It is due at once: the next `watch run` takes its first capture.

    \b
    Example:
        archiver watch add https://example.org/terms --every 1d --tag legal
        archiver watch add https://example.org/prices --every 6h --selector "#prices"
        archiver watch add https://example.org/ --every 1h --ignore-numbers
        archiver watch add https://example.org/account --cookies cookies.txt

    With --cookies, the file's path is kept on the watch (not its values): each check reads
    it again, so export fresh cookies to the same file when the site's session ends.
    """
    from archiver.watch import WatchRequest, add

    db = open_archive(db_path, create=True)
    request = WatchRequest(url, every, selector, tag, ignore_numbers, ignore_dates, threshold,
                           webhook, cookies_file=str(cookies) if cookies else None)
    watch_id = add(db, request, clock())
    row = store.get_watch(db, watch_id)
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False))
    else:
        click.echo(f"{watch_id}\t{row['url']}\tevery {describe(row['interval'])}")


@watch.command("list")
@db_option
@json_option
def list_command(db_path: Path, as_json: bool) -> None:
    """List the watches: id, URL, interval, last checked, last changed, next due, status.

    \b
    Example:
        archiver watch list
    """
    from archiver.watch import due_in, fix_for

    rows = store.list_watches(open_archive(db_path))
    now = clock()
    if rows and not as_json:
        click.echo("\t".join(["ID", "URL", "EVERY", "CHECKED", "CHANGED", "DUE", "STATUS"]))
    for row in rows:
        row.pop("last_text", None)
        row["fix"] = fix_for(row["error"])
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        status = row["status"] + (f" ({row['error']})" if row["error"] else "")
        status += f"; fix: {row['fix']}" if row["fix"] else ""
        click.echo("\t".join([str(row["id"]), row["url"], f"every {describe(row['interval'])}",
                              f"checked {_when(row['last_checked'])}",
                              f"changed {_when(row['last_changed'])}",
                              f"due {due_in(row, now)}", status]))
    if not rows:
        click.echo("No watches yet: `archiver watch add URL --every 1d`.", err=True)


def _when(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "never"


@watch.command("remove")
@click.argument("watch_id", type=int)
@db_option
def remove_command(watch_id: int, db_path: Path) -> None:
    """Stop watching a page (its captures stay in the archive).

    \b
    Example:
        archiver watch remove 3
    """
    removed = store.remove_watch(open_archive(db_path), watch_id)
    click.echo(f"No longer watching {removed['url']}.", err=True)


@watch.command("run")
@click.option("--all", "everything", is_flag=True, help="Check every watch now, due or not.")
@click.option("--webhook", "webhooks", multiple=True, metavar="URL", envvar="ARCHIVER_WEBHOOK",
              help="Also POST every change here (env ARCHIVER_WEBHOOK), besides each "
                   "watch's own --webhook.")
@click.option("--allow-private-targets", is_flag=True, envvar="ARCHIVER_ALLOW_PRIVATE",
              help="Let webhooks reach localhost and private networks "
                   "(env ARCHIVER_ALLOW_PRIVATE).")
@db_option
@capture_options
@limit_options
@json_option
def run_command(everything: bool, webhooks: tuple[str, ...], allow_private_targets: bool,
                db_path: Path, as_json: bool, **options: Any) -> None:
    """Check every due watch once (for cron or a systemd timer), then print a summary.

    One line per check on stdout (watch id, outcome, URL, words added/removed); the summary
    on stderr. Another `watch run` (or `archiver serve`) at the same time checks other
    watches: each due watch is claimed in the database first.

    \b
    Example:
        archiver watch run
        archiver watch run --all --concurrency 8
    """
    from archiver.save import Runner
    from archiver.watch import CheckResult, run_due
    from archiver.webhook import notifier

    db = open_archive(db_path)

    def on_result(result: CheckResult) -> None:
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
            return
        words = f"+{result.words_added} -{result.words_removed}" if result.is_change else ""
        click.echo("\t".join(x for x in (str(result.watch_id), result.outcome, result.url,
                                         words) if x))
        if result.error:
            click.secho(f"  {result.outcome}: {result.url}: {result.error}", err=True,
                        fg="yellow")

    async def go() -> Any:
        async with Runner(db, settings_from(options), run_settings(options),
                          source="watch") as runner:
            notify = notifier(runner, webhooks, allow_private_targets)
            return await run_due(runner, clock, everything=everything, on_result=on_result,
                                 notify=notify)

    summary = asyncio.run(go())
    click.echo(summary.line(), err=True)
    for reason, count in summary.errors.most_common():
        click.echo(f"  {count:>5}  {reason}", err=True)
    if not summary.total:
        click.echo("Nothing was due (`archiver watch list` shows when; --all checks "
                   "everything now).", err=True)


@click.command()
@click.option("--since", default="7d", show_default=True, metavar="DURATION|DATE",
              help="Changes found since then: 7d, 12h, or a date (2026-05-01).")
@click.option("--tag", help="Only watches with this tag.")
@click.option("--site", help="Only this site (host name without www.).")
@click.option("-n", "--limit", type=int, default=100, show_default=True,
              help="Most changes shown.")
@db_option
@json_option
def changes(since: str, tag: str | None, site: str | None, limit: int, db_path: Path,
            as_json: bool) -> None:
    """What changed on watched pages: page, when, words added/removed, a short diff.

    \b
    Example:
        archiver changes
        archiver changes --since 30d --tag legal --json
    """
    rows = store.changes(open_archive(db_path), iso(since_time(since, clock())), tag, site,
                         limit)
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        when = _when(row["checked_at"])
        if row["outcome"] == "gone":
            click.echo(f"{when}\tgone\t{row['url']}\t{row['error'] or ''}")
            continue
        click.echo(f"{when}\tchanged\t{row['url']}\t+{row['words_added'] or 0} "
                   f"-{row['words_removed'] or 0}\tcapture {row['capture_id']}")
        summary = diff_summary(row["diff"])
        if summary:
            click.echo(f"\t{summary}")
    if not rows:
        click.echo(f"No changes since {since}.", err=True)
    sys.stdout.flush()
