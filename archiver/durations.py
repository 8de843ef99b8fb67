"""Durations as people write them ("1d", "6h", "1h30m", "90s", "2w") and times as stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from archiver.errors import BadDuration

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(text: str) -> int:
    """Seconds in `text`: a number of seconds, or parts like 1w 2d 3h 4m 5s ("1h30m")."""
    value = text.strip().lower()
    if value.isdigit():
        return int(value)
    compact = value.replace(" ", "")
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise BadDuration(f"{text!r} is not a duration; write it like 30m, 6h, 1d, 1w or 1h30m")
    return sum(int(n) * UNITS[u] for n, u in parts)


def iso(moment: datetime) -> str:
    """A time as the archive stores it: ISO 8601 UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or time (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadDuration(f"{text!r} is not a date or time; write it like 2026-05-01 or "
                          "2026-05-01T12:00:00Z") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def since_time(text: str, now: datetime) -> datetime:
    """`--since`: a duration back from `now` ("7d") or a date ("2026-05-01")."""
    if re.match(r"^\d{4}-\d{2}-\d{2}", text.strip()):
        return parse_time(text)
    return now - timedelta(seconds=parse_duration(text))


def describe(seconds: int) -> str:
    """3600 -> "1h", 90000 -> "1d1h"."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in sorted(UNITS.items(), key=lambda kv: -kv[1]):
        if unit == "w" and seconds % size:
            continue
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
