"""Watches (pages checked again on a schedule), their checks, and webhook deliveries.

Claiming is what keeps two processes (`archiver watch run` from cron and `archiver serve`)
from checking the same due watch: one `UPDATE ... RETURNING` under the write lock marks the
due watches as taken by one process until a time; a crashed process's claims expire then.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlite_utils import Database

from archiver.errors import NotFound, WatchExists
from archiver.store.connection import dict_rows, write_transaction
from archiver.urls import host_of, normalize

WATCH_FIELDS = ("url", "interval", "selector", "tag", "ignore_numbers", "ignore_dates",
                "threshold", "webhook", "source", "cookies_file")
CHANGE_OUTCOMES = ("changed", "gone")


def add_watch(db: Database, fields: dict[str, Any], now: str) -> int:
    """A new watch, due at once. Raises WatchExists for a page watched already."""
    row: dict[str, Any] = {name: fields.get(name) for name in WATCH_FIELDS}
    url = str(row["url"])
    row.update(page_url=normalize(url), site=host_of(url), created_at=now,
               next_due=now, ignore_numbers=int(bool(row["ignore_numbers"])),
               ignore_dates=int(bool(row["ignore_dates"])), threshold=row["threshold"] or 1,
               source=row["source"] or "cli")
    columns, marks = ", ".join(row), ", ".join("?" for _ in row)
    with write_transaction(db):
        existing = _same_watch(db, row["page_url"], row["selector"])
        if existing is not None:
            raise WatchExists(f"{row['url']} is watched already (watch {existing}); "
                              f"`archiver watch remove {existing}` first to change it")
        cursor = db.execute(f"INSERT INTO watches ({columns}) VALUES ({marks})",
                            list(row.values()))
        return int(cursor.lastrowid or 0)


def _same_watch(db: Database, page_url: str, selector: str | None) -> int | None:
    found = db.execute("SELECT id FROM watches WHERE page_url = ? AND ifnull(selector, '') = ?",
                       [page_url, selector or ""]).fetchone()
    return int(found[0]) if found else None


def watch_for(db: Database, url: str, selector: str | None = None) -> dict[str, Any] | None:
    """The watch of this page (normalized URL) and selector, if there is one."""
    found = _same_watch(db, normalize(url), selector)
    return get_watch(db, found) if found is not None else None


def list_watches(db: Database) -> list[dict[str, Any]]:
    return dict_rows(db.execute("SELECT * FROM watches ORDER BY next_due, id"))


def get_watch(db: Database, watch_id: int) -> dict[str, Any]:
    rows = dict_rows(db.execute("SELECT * FROM watches WHERE id = ?", [watch_id]))
    if not rows:
        raise NotFound(f"There is no watch {watch_id}; `archiver watch list` shows them.")
    return rows[0]


def remove_watch(db: Database, watch_id: int) -> dict[str, Any]:
    """Stop watching (its checks go with it; the captures stay). Returns the watch removed."""
    with write_transaction(db):
        watch = get_watch(db, watch_id)
        db.execute("DELETE FROM watches WHERE id = ?", [watch_id])
    return watch


def claim_due(db: Database, now: str, owner: str, until: str, everything: bool = False,
              limit: int = 100_000) -> list[dict[str, Any]]:
    """Take the watches due at `now` (every watch with `everything`) that no other process
    holds, for `owner` until `until`. Returns them, soonest due first."""
    due = "" if everything else "AND next_due <= :now"
    sql = f"""
        UPDATE watches SET claimed_by = :owner, claimed_until = :until
        WHERE id IN (
            SELECT id FROM watches
            WHERE (claimed_until IS NULL OR claimed_until < :now) {due}
            ORDER BY next_due, id LIMIT :limit)
        RETURNING *"""
    with write_transaction(db):
        cursor = db.execute(sql, {"now": now, "owner": owner, "until": until, "limit": limit})
        rows = dict_rows(cursor)
    return sorted(rows, key=lambda r: (r["next_due"], r["id"]))


def extend_claims(db: Database, owner: str, until: str) -> int:
    """Keep holding what `owner` still holds (a long run), until `until`."""
    with write_transaction(db):
        cursor = db.execute("UPDATE watches SET claimed_until = ? WHERE claimed_by = ?",
                            [until, owner])
        return int(cursor.rowcount)


def release(db: Database, watch_id: int, owner: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE watches SET claimed_by = NULL, claimed_until = NULL "
                   "WHERE id = ? AND claimed_by = ?", [watch_id, owner])


def record_check(db: Database, watch_id: int, owner: str, check: dict[str, Any],
                 update: dict[str, Any]) -> int | None:
    """Keep one check and update its watch (releasing the claim), in one transaction.
    Returns the check's id, or None when the watch was removed meanwhile."""
    check = {**check, "watch_id": watch_id}
    if isinstance(check.get("diff"), list):
        check["diff"] = json.dumps(check["diff"], ensure_ascii=False)
    sets = ", ".join(f"{name} = :{name}" for name in update)
    with write_transaction(db):
        if not db.execute("SELECT 1 FROM watches WHERE id = ?", [watch_id]).fetchone():
            return None
        columns, marks = ", ".join(check), ", ".join(f":{c}" for c in check)
        cursor = db.execute(f"INSERT INTO checks ({columns}) VALUES ({marks})", check)
        db.execute(f"UPDATE watches SET {sets}, claimed_by = NULL, claimed_until = NULL "
                   "WHERE id = :watch_id AND (claimed_by = :owner OR claimed_by IS NULL)",
                   {**update, "watch_id": watch_id, "owner": owner})
        return int(cursor.lastrowid or 0)


def record_delivery(db: Database, delivery: dict[str, Any]) -> None:
    columns, marks = ", ".join(delivery), ", ".join(f":{c}" for c in delivery)
    with write_transaction(db):
        try:
            db.execute(f"INSERT INTO webhook_deliveries ({columns}) VALUES ({marks})", delivery)
        except sqlite3.IntegrityError:
            pass  # the watch (and its checks) were removed meanwhile


CHANGE_COLUMNS = """
    k.id, k.watch_id, k.checked_at, k.outcome, k.capture_id, k.previous_capture_id,
    k.words_added, k.words_removed, k.diff, k.error, w.url, w.site, w.tag, w.selector,
    p.id AS page_id, coalesce(c.title, pc.title) AS title"""


def changes(db: Database, since: str | None = None, tag: str | None = None,
            site: str | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Changes (and pages gone), newest first; `diff` decoded to [[kind, text], ...]."""
    clauses = ["k.outcome IN ('changed', 'gone')"]
    if since:
        clauses.append("k.checked_at >= :since")
    if tag:
        clauses.append("w.tag = :tag")
    if site:
        clauses.append("w.site = :site")
    sql = f"""
        SELECT {CHANGE_COLUMNS} FROM checks k JOIN watches w ON w.id = k.watch_id
        LEFT JOIN pages p ON p.url = w.page_url
        LEFT JOIN captures c ON c.id = k.capture_id
        LEFT JOIN captures pc ON pc.id = k.previous_capture_id
        WHERE {' AND '.join(clauses)}
        ORDER BY k.checked_at DESC, k.id DESC LIMIT :limit OFFSET :offset"""
    params = {"since": since, "tag": tag, "site": site, "limit": limit, "offset": offset}
    rows = dict_rows(db.execute(sql, params))
    for row in rows:
        row["diff"] = json.loads(row["diff"]) if row["diff"] else []
    return rows


def watch_facets(db: Database) -> dict[str, list[str]]:
    """The tags and sites of watches, for the Changes view's filters."""
    tags = [r[0] for r in db.execute(
        "SELECT DISTINCT tag FROM watches WHERE tag IS NOT NULL ORDER BY tag")]
    sites = [r[0] for r in db.execute("SELECT DISTINCT site FROM watches ORDER BY site")]
    return {"tags": tags, "sites": sites}


def checks_of(db: Database, watch_id: int) -> list[dict[str, Any]]:
    sql = "SELECT * FROM checks WHERE watch_id = ? ORDER BY checked_at, id"
    return dict_rows(db.execute(sql, [watch_id]))
