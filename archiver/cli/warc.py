"""The CLI side of web archives: `archiver import FILE.wacz|FILE.warc[.gz]` and
`archiver export --format wacz|warc`, with progress bars on stderr and a summary.

Library errors (ArchiverError) become messages in `ArchiverGroup`, as for every command.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

from archiver.cli.report import NoBar, print_result
from archiver.save import SaveResult


def is_web_archive(path: Path, fmt: str | None) -> bool:
    """Whether `archiver import` reads this file as a WACZ or WARC (by --format, else by
    its first bytes)."""
    if fmt in ("wacz", "warc"):
        return True
    if fmt is not None:
        return False
    from archiver.warc.container import detect_kind

    return detect_kind(path) is not None


def _progress_wanted(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _bar(length: int, label: str, show: bool) -> Any:
    if not show:
        return NoBar()
    return click.progressbar(length=max(length, 1), file=sys.stderr, label=label,
                             show_pos=True, show_eta=True)


def render_settings(mode: str, options: dict[str, Any]) -> Any:
    """How an import renders pages (`--render`, the browser, viewport and concurrency)."""
    from archiver.warc.importer import RenderSettings

    return RenderSettings(mode=mode, concurrency=options["concurrency"],
                          browser_path=options["browser"], width=options["width"],
                          height=options["height"], user_agent=options["user_agent"])


def run_import(db: Any, file: Path, tags: list[str], as_json: bool,
               progress: bool | None, render: Any = None) -> None:
    """Import every page of a WACZ/WARC file; exit 1 if a page failed or a record was bad."""
    from archiver.warc.importer import WebArchiveImport

    show = _progress_wanted(progress)
    started = time.monotonic()
    with _ended_cleanly_by_signals(), WebArchiveImport(db, file, tags, render) as job:
        with _bar(job.total_bytes(), "Reading records", show) as bar:
            job.scan(bar.update)
        pages = job.count_pages()
        click.echo(f"{file.name}: {job.summary.records} records, {pages} pages "
                   f"(from its {job.summary.pages_from}).", err=True)
        with _bar(pages, "Importing", show) as bar:

            def on_result(result: SaveResult | None) -> None:
                bar.update(1)
                if result is not None:
                    print_result(result, as_json)

            job.run(on_result)
        summary = job.summary
    _print_summary(summary, time.monotonic() - started)
    if summary.failed or summary.bad_records:
        sys.exit(1)


@contextmanager
def _ended_cleanly_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the import as Ctrl-C does: by an exception, so that the
    scratch folder (a copy of the records' index, WARC files copied out of the ZIP) is
    removed and the page being stored is rolled back. Without this, Python dies at once."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    wanted = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, stop) for s in wanted}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _print_summary(summary: Any, seconds: float) -> None:
    for message in summary.bad_records:
        click.secho(f"bad record: {message}", err=True, fg="red")
    for message in summary.problems:
        click.secho(f"skipped: {message}", err=True, fg="yellow")
    if summary.more_problems:
        click.secho(f"skipped: {summary.more_problems:,} more lines that are not pages",
                    err=True, fg="yellow")
    if summary.missing:
        click.secho(f"listed but not in the archive: {summary.missing:,} page(s) (the first "
                    f"{summary.missing_recorded:,} recorded as failed captures, for "
                    "`archiver retry`)", err=True, fg="yellow")
    parts = [f"{summary.saved} saved", f"{summary.skipped} skipped as already imported",
             f"{summary.failed} failed"]
    if summary.blocked:
        parts.append(f"{summary.blocked} blocked by a wall")
    if summary.bad_records:
        parts.append(f"{len(summary.bad_records)} bad record(s)")
    click.echo(f"Done in {seconds:.1f} s: " + ", ".join(parts) + ".", err=True)
    if summary.rendered or summary.render_failed:
        click.echo(f"Rendered {summary.rendered} page(s) in Chromium against the archive alone "
                   f"({summary.found} more record(s) kept that their scripts asked for; "
                   f"{summary.outside} request(s) for what the archive does not hold "
                   "answered 404, none sent).", err=True)
    for message in summary.render_failed[:20]:
        click.secho(f"not rendered (kept as served): {message}", err=True, fg="yellow")
    for wall, count in sorted(summary.walls.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {count:>5}  {wall}", err=True)


def run_export(db: Any, fmt: str, output: Path, query: str | None, since: str | None,
               progress: bool | None = None) -> None:
    """Write a WACZ or a WARC file; say what was written."""
    from archiver.warc import wacz

    started = time.monotonic()
    total = wacz.count(db, query, since)
    with _bar(total, "Exporting", _progress_wanted(progress) and total > 1) as bar:
        write = wacz.export_wacz if fmt == "wacz" else wacz.export_warc
        summary = write(db, output, query, since, bar.update)
    not_kept = (f", {summary.not_kept} resource(s) without a stored body left out"
                if summary.not_kept else "")
    click.echo(f"Exported {summary.captures} capture(s) to {output} ({summary.responses} "
               f"responses, {summary.revisits} revisits{not_kept}; "
               f"{summary.bytes / 2**20:.1f} MB in {time.monotonic() - started:.1f} s)",
               err=True)
