"""Highlights: passages of a page's article the user marked, each with an optional note.

A highlight belongs to the page, not to one version: it is stored the way a W3C Web Annotation
selects text, as the quote itself with some context on both sides (TextQuoteSelector: `exact`,
`prefix`, `suffix`) and where it was in the version it was made on (TextPositionSelector:
`start`, `end`, code points into the article's text with whitespace collapsed). The reader view
finds it again on any version that still holds the quote, using the position only to choose
between equal matches; one that no version holds any more is kept and listed, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from archiver.errors import ArchiverError, NotFound
from archiver.store.connection import dict_rows, write_transaction

MAX_QUOTE = 10_000
"""Longest quote kept (characters): a highlight is a passage, not the whole article."""
MAX_CONTEXT = 64
"""Longest prefix or suffix (the reader view sends 32 characters)."""
MAX_NOTE = 10_000

COLUMNS = ('id', 'page_id', 'capture_id', 'exact', 'prefix', 'suffix', 'start', '"end"', 'note',
           'created_at', 'updated_at')


@dataclass
class Quote:
    """What a highlight selects: the quote with its context, and its position (a hint)."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None

    def cleaned(self) -> Quote:
        """The quote as stored: whitespace collapsed, lengths checked."""
        exact = collapse(self.exact)
        if not exact:
            raise ArchiverError("A highlight needs the text it highlights.")
        if len(exact) > MAX_QUOTE:
            raise ArchiverError(f"A highlight is at most {MAX_QUOTE} characters; this one is "
                                f"{len(exact)}.")
        for name, value in (("prefix", self.prefix), ("suffix", self.suffix)):
            if len(value) > MAX_CONTEXT:
                raise ArchiverError(f"The {name} is at most {MAX_CONTEXT} characters.")
        start, end = self.start, self.end
        if (start is None) != (end is None):
            raise ArchiverError("Give both start and end, or neither.")
        if start is not None and end is not None and (start < 0 or end - start != len(exact)):
            raise ArchiverError(f"start and end ({start}, {end}) do not span the quote "
                                f"({len(exact)} characters).")
        return Quote(exact, self.prefix, self.suffix, start, end)


def collapse(text: str | None) -> str:
    """Whitespace runs as one space, none at the ends: the text highlights are anchored in."""
    return " ".join((text or "").split())


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise ArchiverError(f"A note is at most {MAX_NOTE} characters; this one is "
                            f"{len(text)}.")
    return text or None


def add_highlight(db: Database, page_id: int, quote: Quote, capture_id: int | None = None,
                  note: str | None = None) -> int:
    """Store a highlight on a page (made on its version `capture_id`). Returns its id."""
    from archiver.models import now_iso

    quote = quote.cleaned()
    text = _note(note)
    with write_transaction(db):
        if not db.execute("SELECT 1 FROM pages WHERE id = ?", [page_id]).fetchone():
            raise NotFound(f"There is no page {page_id} in this archive.")
        if capture_id is not None:
            row = db.execute("SELECT page_id FROM captures WHERE id = ?",
                             [capture_id]).fetchone()
            if row is None or int(row[0]) != page_id:
                raise ArchiverError(f"Capture {capture_id} is not a version of page {page_id}.")
        now = now_iso()
        cursor = db.execute(
            'INSERT INTO highlights (page_id, capture_id, exact, prefix, suffix, start, "end", '
            "note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [page_id, capture_id, quote.exact, quote.prefix, quote.suffix, quote.start,
             quote.end, text, now, now])
        return int(cursor.lastrowid or 0)


def set_highlight_note(db: Database, highlight_id: int, note: str | None) -> None:
    """Set (or, with an empty `note`, clear) the note of a highlight."""
    from archiver.models import now_iso

    text = _note(note)
    with write_transaction(db):
        _require(db, highlight_id)
        db.execute("UPDATE highlights SET note = ?, updated_at = ? WHERE id = ?",
                   [text, now_iso(), highlight_id])


def delete_highlight(db: Database, highlight_id: int) -> None:
    with write_transaction(db):
        _require(db, highlight_id)
        db.execute("DELETE FROM highlights WHERE id = ?", [highlight_id])


def _require(db: Database, highlight_id: int) -> None:
    if not db.execute("SELECT 1 FROM highlights WHERE id = ?", [highlight_id]).fetchone():
        raise NotFound(f"There is no highlight {highlight_id} in this archive.")


def get_highlight(db: Database, highlight_id: int) -> dict[str, Any]:
    rows = dict_rows(db.execute(f"SELECT {', '.join(COLUMNS)} FROM highlights WHERE id = ?",
                                [highlight_id]))
    if not rows:
        raise NotFound(f"There is no highlight {highlight_id} in this archive.")
    return rows[0]


def page_highlights(db: Database, page_id: int) -> list[dict[str, Any]]:
    """A page's highlights in reading order (by position, then oldest first)."""
    return highlights_of_pages(db, [page_id])[page_id]


def highlights_of_pages(db: Database, page_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {int(p): [] for p in page_ids}
    if not found:
        return found
    sql = (f"SELECT {', '.join(COLUMNS)} FROM highlights WHERE page_id IN "
           "(SELECT value FROM json_each(?)) ORDER BY page_id, start IS NULL, start, id")
    for row in dict_rows(db.execute(sql, [json.dumps(list(found))])):
        found[row["page_id"]].append(row)
    return found


def iter_highlights(db: Database, page_ids: Sequence[int] | None = None,
                    since: str | None = None) -> Iterator[dict[str, Any]]:
    """Every highlight (or those of `page_ids`, or made on or after `since`), with its page's
    `url` and, when its version still exists, that version's `captured_at` and `title`."""
    columns = ", ".join(f"h.{c}" for c in COLUMNS)
    sql = (f"SELECT {columns}, p.url AS page_url, c.captured_at AS capture_captured_at, "
           "coalesce(c.title, g.title) AS title FROM highlights h "
           "JOIN pages p ON p.id = h.page_id LEFT JOIN captures c ON c.id = h.capture_id "
           "LEFT JOIN captures g ON g.id = p.good_capture_id "
           "WHERE (:ids IS NULL OR h.page_id IN (SELECT value FROM json_each(:ids))) "
           "AND (:since IS NULL OR h.created_at >= :since) ORDER BY h.page_id, h.start, h.id")
    ids = None if page_ids is None else json.dumps([int(p) for p in page_ids])
    yield from dict_rows(db.execute(sql, {"ids": ids, "since": since}))


def quote_in(text: str | None, exact: str) -> bool:
    """Whether a version's plain text still holds a quote (whitespace aside)."""
    return bool(exact) and collapse(exact) in collapse(text)
