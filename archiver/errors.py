"""Every exception the library raises on purpose, in one place (httpx's `_exceptions.py` is
the model). Only the edges turn them into what a person sees: the CLI into "Error: MESSAGE"
(`cli.ArchiverGroup`), the web routes into an HTTP status (`http_status`).

    ArchiverError
    ├── BadInput                 what was asked cannot be done as asked: HTTP 400
    │   ├── InvalidURL           not an archivable http(s) URL
    │   ├── BadDuration          "1d", "6h", a date
    │   ├── BadSelector          a CSS selector that does not parse
    │   ├── BadWatch             a watch that cannot be added as asked
    │   ├── BadPasswordHash      a configured password hash `hash_password` did not make
    │   ├── ImportFileError      an import file that cannot be read (names the line)
    │   ├── BadCookies           a cookies.txt that cannot be read (names the line, never a value)
    │   ├── ImageTooLarge        an image bigger than the archive decodes
    │   └── NotAnImage           bytes that are no image
    ├── NotFound                 a capture, page or file that does not exist: HTTP 404
    ├── WatchExists              the page is watched already: HTTP 409
    ├── StorageError             the database cannot be opened or written: HTTP 503
    ├── BrowserNotFound          no Chromium to capture with: HTTP 503
    ├── ExtractionError          HTML that cannot be turned into an article
    ├── WebArchiveError          a WARC or WACZ that cannot be read or written
    ├── ExportError              an export that cannot be written
    ├── AutoconsentInstallError  the consent rules could not be installed
    └── Refused                  a web request refused with its own status (403, 405 ...)
"""

from __future__ import annotations


class ArchiverError(Exception):
    """Base class for every error this package raises on purpose."""


class BadInput(ArchiverError):
    """What was asked cannot be done as asked; the message says what to change."""


class BadRequest(BadInput):
    """A web request whose arguments are wrong (a date, a number, a choice)."""


class InvalidURL(BadInput):
    """A URL that cannot be archived."""


class BadDuration(BadInput):
    """A duration or a time that cannot be read."""


class BadSelector(BadInput):
    """A CSS selector that cannot be parsed."""


class BadWatch(BadInput):
    """A watch that cannot be added as asked (interval, URL, selector)."""


class BadPasswordHash(BadInput):
    """A configured password hash that is not one `hash_password` makes."""


class ImportFileError(BadInput):
    """An import file that cannot be read; the message names the line."""


class BadCookies(BadInput):
    """A cookies file that cannot be read (missing, not cookies.txt, a bad line)."""


class ImageTooLarge(BadInput):
    """An image whose dimensions exceed what the archive decodes."""


class NotAnImage(BadInput):
    """Bytes Pillow cannot read as an image."""


class NotFound(ArchiverError):
    """A capture or page that was asked for does not exist."""


class WatchExists(ArchiverError):
    """The page (with this selector) is watched already."""


class StorageError(ArchiverError):
    """The database could not be opened or written (disk full, read-only, not SQLite ...)."""


class BrowserNotFound(ArchiverError):
    """No Chromium could be found to capture with."""


class ExtractionError(ArchiverError):
    """The HTML could not be turned into an article."""


class WebArchiveError(ArchiverError):
    """A WARC or WACZ file that cannot be read or written; the message names the file (and the
    record offset, where there is one)."""


class ExportError(ArchiverError):
    """An export that cannot be written (the target is a file, not writable ...)."""


class AutoconsentInstallError(ArchiverError):
    """autoconsent could not be downloaded, verified or unpacked."""


class Refused(ArchiverError):
    """A web request the archive does not act on: its HTTP status and a sentence saying why
    (a cross-site form, a wrong method)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def http_status(exc: ArchiverError) -> int:
    """The HTTP status a web route answers for `exc`: the one boundary where errors become
    statuses (a full disk or a locked database is the server's problem, not the request's)."""
    if isinstance(exc, Refused):
        return exc.status
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, WatchExists):
        return 409
    if isinstance(exc, StorageError | BrowserNotFound):
        return 503
    return 400
