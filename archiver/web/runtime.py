"""The server's runtime, one per Datasette instance: its settings, the archive file it
captures into, and the worker (a `Runner` in a thread: the extension's captures and links,
the web UI's "Add pages", due watches). The routes (`api`, `library`, `highlights`) read it
through `state(datasette)`; the plugin's startup hook makes it (`configure`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from archiver.settings import ServerSettings
from archiver.web.jobs import WebJobs
from archiver.worker import Worker


class NoArchive(Exception):
    """Datasette serves no archive file (`datasette --memory`): nothing to capture into."""


@dataclass
class ApiState:
    settings: ServerSettings
    database: str
    worker: Worker  # the pipeline: captures from the extension and queued links
    web_jobs: WebJobs = field(default_factory=WebJobs)  # what the web UI's forms queued


_STATES: weakref.WeakKeyDictionary[Any, ApiState] = weakref.WeakKeyDictionary()


def configure(datasette: Any, settings: ServerSettings) -> None:
    """Called by the plugin's startup hook with the server's settings."""
    try:
        name, path = archive_database(datasette)
    except NoArchive:
        return  # no archive file: the API answers 500 saying so
    worker = Worker(path, settings.capture_settings(), settings.run_settings(),
                    source="extension")
    _STATES[datasette] = ApiState(settings, name, worker)
    if settings.watch:
        worker.start_background(lambda runner: _check_watches(runner, settings))


async def _check_watches(runner: Any, settings: ServerSettings) -> None:
    """Due watches, checked in the worker's thread (never on Datasette's event loop)."""
    from archiver.watch import keep_checking, system_clock
    from archiver.webhook import notifier

    notify = notifier(runner, settings.webhooks, settings.allow_private_targets)
    await keep_checking(runner, system_clock, settings.watch_poll, notify)


def state(datasette: Any) -> ApiState:
    """The runtime of this Datasette instance (made with default settings when the startup
    hook has not run, as in tests that call the app directly). KeyError without an archive."""
    if datasette not in _STATES:
        configure(datasette, ServerSettings())
    return _STATES[datasette]


def server_state(datasette: Any) -> ApiState | None:
    """The server's worker and settings (for the web UI's forms); None without an archive
    file."""
    try:
        return state(datasette)
    except KeyError:
        return None


def archive_database(datasette: Any) -> tuple[str, str]:
    """The first database that is a file: (its name, its path)."""
    for name, database in datasette.databases.items():
        if not name.startswith("_") and getattr(database, "path", None):
            return name, str(database.path)
    raise NoArchive("archiver serve has no archive database file")
