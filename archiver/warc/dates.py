"""WARC dates (ISO 8601 in UTC, to the second or finer; 14-digit timestamps in CDX and ARC)
as the archive's `captured_at` (ISO 8601 UTC with milliseconds) and as epoch milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def parse(value: str | None) -> datetime | None:
    """A WARC-Date, a page list's `ts`, or a 14-digit timestamp, as an aware datetime."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit() and 8 <= len(text) <= 17:
        text = text.ljust(14, "0")
        try:
            return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def to_ms(value: str | None) -> int | None:
    when = parse(value)
    return int(when.timestamp() * 1000) if when else None


def iso(when: datetime) -> str:
    """The archive's format: 2026-11-30T12:34:56.789Z."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def captured_at(value: str | None) -> str | None:
    when = parse(value)
    return iso(when) if when else None


def warc_date(value: str | None) -> str:
    """A stored ISO time as a WARC/1.1 WARC-Date (UTC, microseconds when there are any)."""
    when = parse(value) or datetime.now(UTC)
    spec = "microseconds" if when.microsecond else "seconds"
    return when.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def timestamp14(value: str | None) -> str:
    when = parse(value) or datetime.now(UTC)
    return when.strftime("%Y%m%d%H%M%S")
