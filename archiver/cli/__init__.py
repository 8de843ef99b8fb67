"""The `archiver` command. Data goes to stdout, progress and errors to stderr.

The commands live in `capturing`, `reading` and `server`; `options` turns options and the
environment into settings. `ArchiverGroup` is the one place where library errors become
messages for the user (the library raises `ArchiverError`s and never imports click).
"""

from __future__ import annotations

from typing import Any

import click

from archiver import __version__
from archiver.cli import capturing, reading, server, watching
from archiver.errors import ArchiverError, NotFound


class ArchiverGroup(click.Group):
    """Every command runs here: an `ArchiverError` becomes "Error: MESSAGE" and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NotFound as exc:
            raise click.ClickException(f"{exc} (archive: {_archive_used(ctx)})") from exc
        except ArchiverError as exc:
            raise click.ClickException(str(exc)) from exc


def _archive_used(ctx: click.Context) -> str:
    """Which archive file the command read (a "no capture 10" names it); `meta` is shared by
    every context of one invocation."""
    return str(ctx.meta.get("archiver.db_path", "none opened"))


@click.group(cls=ArchiverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archiver")
def cli() -> None:
    """A personal web archive: capture pages in Chromium, keep them in one SQLite file,
    explore them in Datasette.

    \b
    Example:
        archiver save https://example.org/article
        archiver serve
    """


for command in (capturing.save, capturing.import_command, capturing.failures, capturing.retry,
                server.serve, reading.search, reading.show, reading.extract_command,
                server.setup, server.token, server.password_hash, reading.tag,
                reading.untag, reading.note, reading.mark, reading.delete, reading.vacuum,
                reading.recompress,
                reading.export_command, watching.watch, watching.changes):
    cli.add_command(command)
