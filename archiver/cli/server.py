"""Commands around the archive: serve it, set up capturing, the extension's token."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from archiver.cli.options import autoconsent_dir, db_option, open_archive
from archiver.errors import ArchiverError
from archiver.settings import ServerSettings


@click.command()
@click.argument("archives", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on.")
@click.option("-p", "--port", type=int, default=8001, show_default=True, help="Port.")
@click.option("--open", "open_browser", is_flag=True, help="Open a web browser.")
@click.option("--allow-private-targets", is_flag=True, envvar="ARCHIVER_ALLOW_PRIVATE",
              help="Let the extension's \"archive link\", watches and webhooks reach localhost "
                   "and private networks (env ARCHIVER_ALLOW_PRIVATE).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME[:PORT]",
              envvar="ARCHIVER_API_HOSTS",
              help="Another name this server may be reached by (besides 127.0.0.1, localhost, "
                   "[::1] and --host), repeatable; requests naming any other Host, on any "
                   "page, are refused (DNS rebinding guard).")
@click.option("--max-body", type=click.IntRange(1024), envvar="ARCHIVER_API_MAX_BODY",
              default=ServerSettings.max_body, show_default=True,
              help="Largest request the extension may send, in bytes.")
@click.option("--browser", envvar="ARCHIVER_BROWSER", metavar="PATH",
              help="Chromium for \"archive link\" and watches (env ARCHIVER_BROWSER).")
@click.option("--no-watch", is_flag=True,
              help="Don't check due watches in the background (leave it to `archiver watch "
                   "run`).")
@click.option("--watch-poll", type=click.FloatRange(1), default=ServerSettings.watch_poll,
              show_default=True, metavar="SECONDS", help="How often to look for due watches.")
@click.option("--webhook", "webhooks", multiple=True, metavar="URL", envvar="ARCHIVER_WEBHOOK",
              help="Also POST every change of a watched page here (env ARCHIVER_WEBHOOK).")
def serve(archives: tuple[Path, ...], db_path: Path, host: str, port: int, open_browser: bool,
          allow_private_targets: bool, allow_hosts: tuple[str, ...], max_body: int,
          browser: str | None, no_watch: bool, watch_poll: float,
          webhooks: tuple[str, ...]) -> None:
    """Explore the archive in Datasette (with full-text search).

    ARCHIVES are archive files to serve together (default: --db). While it runs, due
    watches (`archiver watch add`) of the first archive are checked in the background; as
    for "archive link", their pages and webhooks may not reach localhost or private networks
    unless --allow-private-targets.

    \b
    Example:
        archiver serve --port 8001
        archiver serve news.db blogs.db
    """
    from archiver.web.server import serve as run_server

    files = list(dict.fromkeys(archives or (db_path,)))
    for path in files:
        open_archive(path).close()
    settings = ServerSettings(allow_private_targets=allow_private_targets, max_body=max_body,
                              extra_hosts=tuple(h.lower() for h in (*allow_hosts, host)),
                              browser_path=browser, watch=not no_watch,
                              watch_poll=watch_poll, webhooks=webhooks)
    names = ", ".join(str(f) for f in files)
    click.echo(f"Serving {names}: read and search at http://{host}:{port}/-/archiver/, "
               f"tables at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    click.echo(f"Browser extension: Server URL http://{host}:{port}, Token: run `archiver token`",
               err=True)
    run_server(files, host, port, settings, open_browser)


@click.command()
@click.option("--no-autoconsent", is_flag=True,
              help="Don't download the cookie-consent rules (capture then uses only the "
                   "built-in fallback).")
@click.option("--browser", envvar="ARCHIVER_BROWSER", metavar="PATH",
              help="Use this Chromium/Chrome executable (env ARCHIVER_BROWSER).")
def setup(no_autoconsent: bool, browser: str | None) -> None:
    """Install what capturing needs: a browser and the cookie-consent rules.

    The browser is Playwright's Chromium; where it cannot be downloaded, an installed
    Chromium or Chrome is used. The consent rules are DuckDuckGo's autoconsent, a pinned
    version fetched from the npm registry and checked against its sha512 (no Node needed).

    \b
    Example:
        archiver setup
    """
    from archiver.capture import installed_browser
    from archiver.capture.consent import install_autoconsent

    if not no_autoconsent:
        try:
            click.echo(f"autoconsent: {install_autoconsent(autoconsent_dir())}", err=True)
        except ArchiverError as exc:
            click.secho(f"autoconsent not installed ({exc}); capture will use the built-in "
                        "consent fallback only.", err=True, fg="yellow")
    click.echo("Installing Playwright's Chromium ...", err=True)
    code = subprocess.call([sys.executable, "-m", "playwright", "install", "chromium"])
    path = installed_browser(browser)
    if code != 0:
        click.echo(f"Playwright could not download its Chromium; using {path}.", err=True)
    click.echo(f"Browser: {path}")


@click.command()
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
    if tokens.has_token(db) and not rotate:
        raise click.ClickException(
            "This archive has a token already; only its hash is kept, so it cannot be shown "
            "again. `archiver token --rotate` makes a new one (the old one stops working).")
    new = tokens.new_token(db)
    click.echo(new)
    click.echo("Paste it into the archiver extension's options (Token).", err=True)
