"""Options shared by the commands, and the settings they resolve to (the CLI is an edge: here
options and environment variables become the typed settings the library takes)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from archiver import store
from archiver.errors import ArchiverError
from archiver.settings import CaptureSettings, RunSettings

DEFAULT_DB = Path("db") / "archive.db"


F = TypeVar("F", bound=Callable[..., Any])
AUTOCONSENT_DIR_ENV = "ARCHIVER_AUTOCONSENT_DIR"  # where `archiver setup` puts autoconsent


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
        click.option("--timeout", type=float, default=CaptureSettings.nav_timeout,
                     show_default=True, help="Seconds the page itself may take to answer."),
        click.option("--request-timeout", type=float,
                     default=CaptureSettings.request_timeout, show_default=True,
                     help="Seconds each image, script or stylesheet may take."),
        click.option("--page-deadline", type=float,
                     default=CaptureSettings.page_deadline, show_default=True,
                     help="Seconds for the whole capture of one page, whatever happens."),
        click.option("--width", type=int, default=CaptureSettings.viewport_width,
                     show_default=True, help="Viewport width in pixels."),
        click.option("--height", type=int, default=CaptureSettings.viewport_height,
                     show_default=True, help="Viewport height in pixels."),
        click.option("--user-agent", help="User-Agent header (default: the browser's own)."),
        click.option("--no-screenshot", is_flag=True, help="Don't take a screenshot."),
        click.option("--screenshot-format",
                     type=click.Choice(["auto", "webp", "png", "jpeg"]),
                     default=CaptureSettings.screenshot_format, show_default=True,
                     help="auto: lossless WebP for grey text and drawings, JPEG where photos "
                          "are, lossy WebP where text is coloured; webp: lossy WebP for photos "
                          "too (smaller, slower); jpeg: lossy; png: lossless, twice the bytes "
                          "or more."),
        click.option("--screenshot-quality", type=click.IntRange(1, 100),
                     default=CaptureSettings.screenshot_quality, show_default=True,
                     help="Of lossy WebP and JPEG; 100: lossless WebP throughout."),
        click.option("--screenshot-scale", type=click.FloatRange(0.25, 1.0),
                     default=CaptureSettings.screenshot_scale, show_default=True,
                     help="Image pixels a CSS pixel: 1.0 full size; 0.75 draws the page at "
                          "three quarters (text still readable) in about half the bytes."),
        click.option("--compact-screenshots", is_flag=True,
                     help="PNG: about 25 % fewer bytes, slower to encode."),
        click.option("--no-consent-handling", is_flag=True,
                     help="Leave cookie/consent prompts as the site shows them."),
        click.option("--no-resources", is_flag=True,
                     help="Don't keep the page's stylesheets, images, fonts and frames (the "
                          "archived page then shows without them)."),
        click.option("--max-resource-size", type=click.FloatRange(0.1), metavar="MB",
                     default=CaptureSettings.max_resource_bytes / 1e6, show_default=True,
                     help="Resources larger than this (videos ...) are recorded, not kept."),
    ]
    return _with(options, func)


def _with(options: Sequence[Callable[[Any], Any]], func: F) -> F:
    """`func` with every option of the list, in the order listed (in --help too)."""
    for option in reversed(options):
        func = option(func)
    return func


def limit_options(func: F) -> F:
    """How many pages at once, per site, and retries (`watch run`; part of bulk_options)."""
    options = [
        click.option("-c", "--concurrency", type=click.IntRange(1, 32),
                     default=RunSettings.concurrency,
                     show_default=True, help="Pages captured at the same time."),
        click.option("--retries", type=click.IntRange(0, 10),
                     default=RunSettings.retries, show_default=True,
                     help="Try failed pages again this often (network errors, 5xx, 429)."),
        click.option("--per-host", type=click.IntRange(1, 32),
                     default=RunSettings.per_host, show_default=True,
                     help="Pages of one site captured at the same time."),
    ]
    return _with(options, func)


def bulk_options(func: F) -> F:
    options = [
        click.option("--recapture", is_flag=True,
                     help="Capture URLs again even if they are already archived."),
        click.option("--progress/--no-progress", default=None,
                     help="Progress bar on stderr (default: when stderr is a terminal)."),
    ]
    return limit_options(_with(options, func))


def cookies_option(func: F) -> F:
    return click.option(
        "--cookies", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
        help="Capture as the logged-in user: a Netscape cookies.txt file (as browser cookie "
             "exporters, curl and yt-dlp write it). Each cookie goes only to its own domain; "
             "the values are never stored.")(func)


def settings_from(options: dict[str, Any]) -> CaptureSettings:
    """The capture settings of a command's options (and ARCHIVER_AUTOCONSENT_DIR)."""
    from archiver import cookies

    cookie_file = options.get("cookies")
    return CaptureSettings(
        cookies=cookies.load(cookie_file) if cookie_file else None,
        autoconsent_dir=autoconsent_dir(),
        browser_path=options["browser"],
        nav_timeout=options["timeout"],
        request_timeout=options["request_timeout"],
        page_deadline=options["page_deadline"],
        viewport_width=options["width"],
        viewport_height=options["height"],
        user_agent=options["user_agent"],
        screenshot=not options["no_screenshot"],
        screenshot_format=options["screenshot_format"],
        screenshot_quality=options["screenshot_quality"],
        screenshot_scale=options["screenshot_scale"],
        fast_screenshots=not options["compact_screenshots"],
        consent_handling=not options["no_consent_handling"],
        keep_resources=not options["no_resources"],
        max_resource_bytes=int(options["max_resource_size"] * 1e6),
    )


def autoconsent_dir() -> Path | None:
    """Where autoconsent is (ARCHIVER_AUTOCONSENT_DIR), or None for its default place."""
    configured = os.environ.get(AUTOCONSENT_DIR_ENV)
    return Path(configured).expanduser() if configured else None


def run_settings(options: dict[str, Any]) -> RunSettings:
    return RunSettings(concurrency=options["concurrency"], retries=options["retries"],
                       per_host=options["per_host"])


def open_archive(db_path: Path, create: bool = False) -> Any:
    """The archive a command works on. Only commands that add to it (`create`) make a new
    file: a command that reads, run in the wrong folder, says so instead of reading an empty
    archive it just made."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["archiver.db_path"] = db_path
    if not create and not db_path.exists():
        raise ArchiverError(
            f"There is no archive at {db_path} (in {Path.cwd()}). Run the command in the "
            "folder that holds db/archive.db, or name the archive with --db PATH or the "
            "environment variable ARCHIVER_DB.")
    return store.open_db(db_path)
