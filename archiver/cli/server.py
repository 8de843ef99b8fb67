"""Commands around the archive: serve it, set up capturing, the extension's token."""

from __future__ import annotations

import ipaddress
import os
import stat
import subprocess
import sys
from pathlib import Path

import click

from archiver.cli.options import autoconsent_dir, db_option, open_archive
from archiver.errors import ArchiverError
from archiver.settings import ServerSettings

PASSWORD_ENV = "ARCHIVER_PASSWORD"
PASSWORD_FILE_ENV = "ARCHIVER_PASSWORD_FILE"
SECRET_ENV = "DATASETTE_SECRET"


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
@click.option("--require-login", is_flag=True,
              help="Ask for the password on every page, on loopback too (beyond it, always).")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              envvar=PASSWORD_FILE_ENV, metavar="FILE",
              help="The login's password, or a hash of it made by `archiver password-hash`, "
                   f"is this file's first line (env {PASSWORD_FILE_ENV}; or the password in "
                   f"env {PASSWORD_ENV}).")
def serve(archives: tuple[Path, ...], db_path: Path, host: str, port: int, open_browser: bool,
          allow_private_targets: bool, allow_hosts: tuple[str, ...], max_body: int,
          browser: str | None, no_watch: bool, watch_poll: float,
          webhooks: tuple[str, ...], require_login: bool, password_file: Path | None) -> None:
    """Explore the archive in Datasette (with full-text search).

    ARCHIVES are archive files to serve together (default: --db). While it runs, due
    watches (`archiver watch add`) of the first archive are checked in the background; as
    for "archive link", their pages and webhooks may not reach localhost or private networks
    unless --allow-private-targets.

    On an address other than loopback (--host 0.0.0.0, a LAN address, a name) every page
    asks for a password, set with ARCHIVER_PASSWORD or --password-file; without one the
    server does not start. The extension's token works without the login.

    \b
    Example:
        archiver serve --port 8001
        archiver serve news.db blogs.db
        archiver serve --host 0.0.0.0 --password-file ~/.config/archiver/password
    """
    from archiver.web.server import listen
    from archiver.web.server import serve as run_server

    login = require_login or not is_loopback(host)
    password_hash = resolve_password(password_file)
    if login and password_hash is None:
        where = ("--require-login" if is_loopback(host)
                 else f"--host {host} lets other machines reach the archive, so it")
        raise click.ClickException(
            f"{where} needs a login: set its password with the environment variable "
            f"{PASSWORD_ENV} or with --password-file FILE (the password, or a hash made by "
            "`archiver password-hash`, on the first line).")
    files = list(dict.fromkeys(archives or (db_path,)))
    for path in files:
        open_archive(path, create=True).close()
    settings = ServerSettings(allow_private_targets=allow_private_targets, max_body=max_body,
                              extra_hosts=tuple(h.lower() for h in (*allow_hosts, host)),
                              browser_path=browser, watch=not no_watch,
                              watch_poll=watch_poll, webhooks=webhooks,
                              password_hash=password_hash if login else None,
                              require_login=login)
    sock = listen(host, port)
    names = ", ".join(str(f) for f in files)
    click.echo(f"Serving {names}: read and search at http://{host}:{port}/-/archiver/, "
               f"tables at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    click.echo(f"Browser extension: Server URL http://{host}:{port}, Token: run `archiver token`",
               err=True)
    secret = None
    if login:
        secret = os.environ.get(SECRET_ENV) or login_secret(files[0])
        click.echo(f"Every page asks for the password: http://{host}:{port}/-/archiver/login",
                   err=True)
    elif password_hash is not None:
        click.echo("A password is set but the server listens on loopback only: no login "
                   "(--require-login asks for one).", err=True)
    run_server(files, sock, settings, open_browser, secret)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def resolve_password(password_file: Path | None) -> str | None:
    """The login password's hash, from --password-file's first line or ARCHIVER_PASSWORD
    (either may hold a hash already); None when neither is set. Errors never show it."""
    from archiver.passwords import password_hash_from

    from_env = os.environ.get(PASSWORD_ENV)
    if password_file is not None and from_env:
        raise click.ClickException(f"The password is set twice ({PASSWORD_ENV} and "
                                   "--password-file): keep one.")
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
            mode = password_file.stat().st_mode
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(
                f"Cannot read the password file {password_file}: "
                f"{getattr(exc, 'strerror', None) or type(exc).__name__}.") from None
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            click.secho(f"{password_file} is readable by other users (chmod 600 it).",
                        err=True, fg="yellow")
        line = text.splitlines()[0] if text else ""
        if not line.strip():
            raise click.ClickException(f"The first line of {password_file} is empty.")
    elif from_env:
        line = from_env
    else:
        return None
    return password_hash_from(line)


def login_secret(archive: Path) -> str:
    """The secret Datasette signs login cookies with, kept next to the archive (ARCHIVE.secret,
    readable by the user only) so that logins outlive a restart."""
    from archiver.web.server import persistent_secret

    return persistent_secret(archive.with_name(archive.name + ".secret"))


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
    from archiver.capture.consent import install_autoconsent

    if not no_autoconsent:
        try:
            click.echo(f"autoconsent: {install_autoconsent(autoconsent_dir())}", err=True)
        except ArchiverError as exc:
            click.secho(f"autoconsent not installed ({exc}); capture will use the built-in "
                        "consent fallback only.", err=True, fg="yellow")
    path = _playwright_chromium(browser)
    click.echo(f"Browser: {path}")


DOWNLOAD_FAILED = Path(sys.prefix) / ".archiver-playwright-download-failed"
"""Left when Playwright's download of its Chromium failed here (no way to its CDN): the next
`archiver setup` does not try again while another browser is there."""


def _playwright_chromium(browser: str | None) -> str:
    """Playwright's own Chromium, downloaded once; where that fails (no way to its CDN), an
    installed Chromium or Chrome, said in one line, not Playwright's stack traces."""
    from archiver.capture import installed_browser

    if DOWNLOAD_FAILED.exists():
        try:
            path = installed_browser(browser)
        except ArchiverError:
            pass  # no browser at all: try the download again
        else:
            click.echo(f"Using {path} (Playwright's Chromium could not be downloaded before; "
                       f"delete {DOWNLOAD_FAILED} to try again).", err=True)
            return str(path)
    click.echo("Installing Playwright's Chromium (a download of about 150 MB) ...", err=True)
    done = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"],
                          capture_output=True, text=True)
    if done.returncode == 0:
        DOWNLOAD_FAILED.unlink(missing_ok=True)
        return str(installed_browser(browser))
    DOWNLOAD_FAILED.touch()
    reason = _last_error_line(done.stdout + done.stderr)
    path = installed_browser(browser)  # raises, saying how to install one, if there is none
    click.echo(f"Playwright could not download its Chromium ({reason}); using {path}.",
               err=True)
    return str(path)


def _last_error_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return ((errors or lines or ["no output"])[-1])[:200]


@click.command("password-hash")
def password_hash() -> None:
    """Print a salted hash of a password, for the login of `archiver serve`.

    The password is the first line of standard input, or is asked for. Put the hash in the
    file of `serve --password-file` or in ARCHIVER_PASSWORD: the server then never sees the
    password itself.

    \b
    Example:
        archiver password-hash > ~/.config/archiver/password
        archiver serve --host 0.0.0.0 --password-file ~/.config/archiver/password
    """
    from archiver.passwords import hash_password

    stdin = sys.stdin
    if stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
    else:
        password = stdin.readline().rstrip("\r\n")
    click.echo(hash_password(password))


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

    db = open_archive(db_path, create=True)
    if tokens.has_token(db) and not rotate:
        raise click.ClickException(
            "This archive has a token already; only its hash is kept, so it cannot be shown "
            "again. `archiver token --rotate` makes a new one (the old one stops working).")
    new = tokens.new_token(db)
    click.echo(new)
    click.echo("Paste it into the archiver extension's options (Token).", err=True)
