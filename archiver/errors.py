"""Exceptions raised by the library. Only the CLI turns them into user-facing messages."""


class ArchiverError(Exception):
    """Base class for every error this package raises on purpose."""


class BrowserNotFound(ArchiverError):
    """No Chromium could be found to capture with."""


class CaptureFailed(ArchiverError):
    """A page could not be captured at all (DNS error, refused, timeout, ...)."""


class ExtractionError(ArchiverError):
    """The HTML could not be turned into an article."""


class NotFound(ArchiverError):
    """A capture or page that was asked for does not exist."""
