"""Reading bookmark exports: browsers' Netscape HTML, Pocket CSV, Pinboard JSON, URL lists.

Pure parsing, no I/O beyond the text given: a whole file is parsed (and every problem found)
before anything is saved, so a bad file saves nothing half-way. A bookmark whose URL is not
one that can be archived does not make the file bad: it comes back with `problem` set (naming
its line), so that the import reports it and archives the others.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from archiver.errors import ImportFileError
from archiver.urls import InvalidURL, check_archivable

ImportError_ = ImportFileError  # the name this module's callers know


@dataclass
class Bookmark:
    url: str
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    added: str | None = None  # ISO 8601, when the user bookmarked it
    problem: str | None = None  # why this URL cannot be archived ("line 3: ..."), if it can't


def detect_format(name: str, text: str) -> str:
    """'netscape', 'pocket', 'pinboard' or 'urls', from the file name and its first bytes."""
    head = text.lstrip()[:300].lower()
    if head.startswith("<!doctype netscape-bookmark-file") or "<dl" in head or "<a " in head:
        return "netscape"
    if name.lower().endswith(".json") or head.startswith(("[", "{")):
        return "pinboard"
    if name.lower().endswith(".csv") or head.startswith("title,url"):
        return "pocket"
    return "urls"


def parse(name: str, data: bytes, fmt: str | None = None) -> list[Bookmark]:
    """Parse an export file into bookmarks, or raise ImportError_ saying what and where."""
    text = _decode(name, data)
    fmt = fmt or detect_format(name, text)
    parser = {"netscape": parse_netscape, "pocket": parse_pocket, "pinboard": parse_pinboard,
              "urls": parse_url_list}.get(fmt)
    if parser is None:
        raise ImportError_(f"Unknown import format {fmt!r}: "
                           "use netscape, pocket, pinboard or urls.")
    return parser(text)


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportError_(
            f"{name}: line {line}: the file is not UTF-8 (byte 0x{data[exc.start]:02x}). "
            "Export it again as UTF-8, or convert it with `iconv -f LATIN1 -t UTF-8`."
        ) from exc


def _bookmark(raw: str, where: str, title: str | None = None, tags: list[str] | None = None,
              added: str | None = None) -> Bookmark:
    try:
        url, problem = check_archivable(raw), None
    except InvalidURL as exc:
        url, problem = raw, f"{where}: {exc}"
    return Bookmark(url, title, tags or [], added, problem)


def _epoch(value: str | None) -> str | None:
    if not value or not value.strip().isdigit():
        return None
    seconds = int(value)
    if seconds > 10**11:  # microseconds (Firefox's JSON) or milliseconds
        seconds //= 1000 if seconds < 10**14 else 1_000_000
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def parse_url_list(text: str) -> list[Bookmark]:
    """One URL a line; blank lines and lines starting with # are skipped."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(_bookmark(line, f"line {number}"))
    return out


class _NetscapeParser(HTMLParser):
    """Walks <DL>/<DT><H3>folder</H3>/<DT><A HREF ...>title</A>; folders become tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.folders: list[str] = []
        self.pending_folder: str | None = None
        self.in_h3 = False
        self.link: dict[str, Any] | None = None
        self.found: list[tuple[int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h3":
            self.in_h3, self.pending_folder = True, ""
        elif tag == "dl":
            self.folders.append(self.pending_folder or "")
            self.pending_folder = None
        elif tag == "a":
            values = {k.lower(): v or "" for k, v in attrs}
            self.link = {"attrs": values, "title": "", "folders": [f for f in self.folders if f]}

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self.in_h3 = False
        elif tag == "dl" and self.folders:
            self.folders.pop()
        elif tag == "a" and self.link is not None:
            self.found.append((self.getpos()[0], self.link))
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.in_h3:
            self.pending_folder = (self.pending_folder or "") + data.strip()
        elif self.link is not None:
            self.link["title"] += data


def parse_netscape(text: str) -> list[Bookmark]:
    """A browser's bookmark export (Chrome, Firefox, Safari, Pocket's old HTML export)."""
    if "<a" not in text.lower():
        raise ImportError_("line 1: no bookmarks found (no <A HREF=...> links); is this a "
                           "browser bookmark export?")
    parser = _NetscapeParser()
    parser.feed(text)
    parser.close()
    if parser.link is not None or text.count("<DL") + text.count("<dl") > text.count(
            "</DL>") + text.count("</dl>") + 1:
        line = parser.getpos()[0]
        raise ImportError_(f"line {line}: the file ends in the middle of a bookmark or folder "
                           "(truncated?). Export the bookmarks again.")
    return [_netscape_bookmark(line, link) for line, link in parser.found
            if link["attrs"].get("href", "").strip()]


def _netscape_bookmark(line: int, link: dict[str, Any]) -> Bookmark:
    attrs = link["attrs"]
    tags = list(link["folders"])
    tags += [t.strip() for t in attrs.get("tags", "").split(",") if t.strip()]
    return _bookmark(attrs["href"], f"line {line}", title=link["title"].strip() or None,
                     tags=_unique(tags), added=_epoch(attrs.get("add_date")))


POCKET_COLUMNS = {"url", "title"}


def parse_pocket(text: str) -> list[Bookmark]:
    """Pocket's CSV export: title,url,time_added,tags,status (tags separated by |)."""
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    if not POCKET_COLUMNS <= columns:
        raise ImportError_(f"line 1: a Pocket CSV needs the columns url and title; this file has "
                           f"{', '.join(sorted(columns)) or 'none'}.")
    out = []
    try:
        for row in reader:
            row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
            where = f"line {reader.line_num}"
            tags = [t.strip() for t in row.get("tags", "").replace(",", "|").split("|")]
            out.append(_bookmark(row["url"], where, row.get("title") or None,
                                 _unique(tags), _epoch(row.get("time_added"))))
    except csv.Error as exc:
        raise ImportError_(f"line {reader.line_num}: {exc}") from exc
    return out


def parse_pinboard(text: str) -> list[Bookmark]:
    """Pinboard's JSON export: [{"href", "description", "tags" (space-separated), "time"}]."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportError_(f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") \
            from exc
    if not isinstance(items, list):
        raise ImportError_("line 1: a Pinboard export is a JSON list of bookmarks.")
    out = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("href"), str):
            raise ImportError_(f"bookmark {number}: has no \"href\" URL.")
        tags = item.get("tags") or ""
        tag_list = tags.split() if isinstance(tags, str) else [str(t) for t in tags]
        out.append(_bookmark(item["href"], f"bookmark {number}",
                             item.get("description") or None, _unique(tag_list),
                             item.get("time") or None))
    return out


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t for t in tags if t))
