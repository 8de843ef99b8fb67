"""What Datasette shows about the archive's tables: descriptions, facets, canned queries."""

from __future__ import annotations

from typing import Any

ARCHIVE_TABLES = ("captures", "pages", "page_tags", "blobs", "resources", "frames", "watches",
                  "checks", "highlights")


CAPTURE_COLUMNS = {
    "url": "The URL as asked for",
    "final_url": "The URL after redirects",
    "site": "Host name without www.",
    "status": "ok, partial (archived, but something did not load, or a paywall's teaser), "
              "failed, or blocked (a wall in the page's place: see wall)",
    "wall": "the wall found instead of the page (JSON: kind, label, evidence)",
    "error": "Why the capture failed, or why it is partial",
    "http_status": "HTTP status of the page",
    "content_type": "Content-Type of the page",
    "title": "Title of the article (or of the page)",
    "byline": "Author(s)",
    "published": "Publication date, as found on the page",
    "lang": "Language of the page",
    "site_name": "Name of the site, as the page gives it",
    "description": "The page's own summary",
    "text": "The article as plain text (full-text searchable)",
    "html": "The article as sanitized HTML",
    "word_count": "Words in the article",
    "extraction_path": "Which extraction path found the text: cleaned, readability, "
                       "trafilatura or page",
    "captured_at": "When the capture was taken (UTC)",
    "duration_ms": "How long the capture took",
    "source": "cli, extension or api",
    "consent_cmp": "Cookie-consent platform detected on the page",
    "consent_action": "What the capture browser did about the consent prompt",
    "snapshot_hash": "The rendered HTML as captured (a blob)",
    "body_hash": "The response body as served, for non-HTML pages (a blob)",
    "screenshot_hash": "Full-page screenshot, WebP, or JPEG where the page has photos (PNG "
                       "with --screenshot-format png, older captures and uploads PNG or "
                       "JPEG; a blob)",
    "thumbnail_hash": "The top of the screenshot, 320 px wide, JPEG (a blob, made when first "
                      "shown)",
    "page_id": "The page (normalized URL) this is a capture of",
    "resources_status": "Resources of the page kept: complete, partial (some not kept: see "
                        "the resources table) or none (not recorded)",
    "resources_stored": "Resources (stylesheets, images, fonts, frames ...) kept",
    "resources_skipped": "Resources not kept (too large, timed out, failed, blocked)",
    "resources_bytes": "Bytes of the resources kept (before deduplication)",
}


CANNED_QUERIES = {
    "recent": {
        "title": "Recent captures",
        "sql": "select id, title, site, captured_at, status, word_count, url from captures "
               "order by captured_at desc limit 100",
    },
    "search": {
        "title": "Search the archive",
        "description": "Full-text search over titles and article text, best matches first",
        "sql": "select captures.id, captures.title, captures.site, captures.captured_at, "
               "snippet(captures_fts, 1, '<<', '>>', ' … ', 16) as snippet, captures.url "
               "from captures_fts join captures on captures.id = captures_fts.rowid "
               "where captures_fts match :q order by bm25(captures_fts, 5.0, 1.0) limit 100",
    },
    "failures": {
        "title": "Failed, blocked and partial captures",
        "sql": "select id, url, status, json_extract(wall, '$.label') as wall, error, "
               "http_status, captured_at from captures "
               "where status != 'ok' order by captured_at desc",
    },
    "changes": {
        "title": "Changes of watched pages",
        "description": "What watched pages changed, newest first (filter by tag or site); "
                       "the diffs are in the Changes view at /-/archiver/DB/changes",
        "sql": "select checks.checked_at, checks.outcome, watches.url, watches.site, "
               "watches.tag, checks.words_added, checks.words_removed, checks.capture_id, "
               "checks.previous_capture_id from checks join watches "
               "on watches.id = checks.watch_id where checks.outcome in ('changed', 'gone') "
               "and (:tag = '' or watches.tag = :tag) and (:site = '' or watches.site = :site) "
               "order by checks.checked_at desc limit 200",
    },
    "history": {
        "title": "All captures of one page",
        "description": "Every capture of a URL, newest first (the URL as saved, or part of it)",
        "sql": "select captures.id, captures.captured_at, captures.status, captures.title, "
               "captures.word_count, pages.url from captures join pages "
               "on pages.id = captures.page_id where pages.url like '%' || :url || '%' "
               "order by captures.captured_at desc",
    },
}


WATCH_COLUMNS = {
    "url": "The watched URL",
    "interval": "Seconds between checks",
    "selector": "CSS selector: only this part's text is compared (empty: the article)",
    "tag": "Tag put on the captures of its changes",
    "ignore_numbers": "1: changed numbers (counters) are no change",
    "ignore_dates": "1: changed dates and times are no change",
    "threshold": "Fewest words added + removed that make a change",
    "webhook": "Where each change is POSTed as JSON",
    "next_due": "When it is checked next (UTC)",
    "last_checked": "When it was last checked",
    "last_changed": "When a check last found a change (or the first capture)",
    "last_capture_id": "The capture the next check compares with",
    "last_text": "The text the next check compares with",
    "status": "new, ok, failing (retried with backoff), gone (404/410) or no match "
              "(the selector matches nothing)",
    "error": "Why the last check failed",
    "failures": "Failed checks in a row",
    "claimed_by": "The process checking it right now",
}

CHECK_COLUMNS = {
    "outcome": "first, changed, unchanged (nothing kept but this row), failed or gone",
    "capture_id": "The capture this check kept (first and changed only)",
    "previous_capture_id": "The capture it was compared with",
    "diff": "A short word diff, JSON [[kind, text], ...]",
}

PAGE_COLUMNS = {
    "url": "The normalized URL: the key for \"same page\"",
    "site": "Host name without www.",
    "note": "The user's note on the page",
    "state": "unread, read or archived",
    "favourite": "1: a favourite",
    "versions": "How many captures (versions) the page has",
    "first_capture_id": "Its oldest capture",
    "last_capture_id": "Its newest capture",
    "good_capture_id": "Its newest capture that did not fail nor hit a wall (empty: every "
                       "capture failed or was blocked)",
    "first_captured": "When it was first captured",
    "last_captured": "When it was last captured",
    "updated_at": "When its tags, note or state last changed",
}

HIGHLIGHT_COLUMNS = {
    "page_id": "The page it belongs to (it shows on each of its versions that has the quote)",
    "capture_id": "The version it was made on (empty: that version was deleted)",
    "exact": "The highlighted text, whitespace collapsed (W3C TextQuoteSelector)",
    "prefix": "Up to 32 characters before it, to tell repeated quotes apart",
    "suffix": "Up to 32 characters after it",
    "start": "Where it started in the article's text, in characters (W3C TextPositionSelector:"
             " a hint where the quote is more than once)",
    "end": "Where it ended",
    "note": "The user's note on it",
    "created_at": "When it was made (UTC)",
    "updated_at": "When its note last changed",
}

HIGHLIGHTS_METADATA = {
    "description": "The passages highlighted in the reader view, with their notes, kept as W3C "
                   "Web Annotations (a quote with its context, and a position): each shows on "
                   "every version of its page that still has the quote. Full-text searchable; "
                   "exported by /-/archiver/DB/page/PAGE_ID/annotations.jsonld and "
                   "`archiver export --format annotations`.",
    "sort_desc": "created_at",
    "facets": ["page_id"],
    "fts_table": "highlights_fts",
    "fts_pk": "id",
    "label_column": "exact",
    "columns": HIGHLIGHT_COLUMNS,
}

TAGS_METADATA = {
    "description": "Tags on pages (`archiver tag ID TAG...`, or in the archive's views); "
                   "facet by tag to see what is tagged how.",
    "facets": ["tag"],
    "sort": "tag",
}


def database_metadata() -> dict[str, Any]:
    return {
        "tables": {
            "captures": {
                "description": "One row per capture: a snapshot of a page at a time.",
                "sort_desc": "captured_at",
                "facets": ["site", "status", "lang", "source"],
                "fts_table": "captures_fts",
                "fts_pk": "id",
                "searchmode": "raw",
                "columns": CAPTURE_COLUMNS,
                "label_column": "title",
            },
            "pages": {
                "description": "One row per normalized URL, with the user's tags, note and "
                               "reading state; its captures (versions) link here.",
                "sort_desc": "last_captured",
                "label_column": "url",
                "facets": ["site", "state", "favourite"],
                "columns": PAGE_COLUMNS,
            },
            "page_tags": TAGS_METADATA,
            "highlights": HIGHLIGHTS_METADATA,
            "resources": {
                "description": "Every response a capture's page used: stylesheets, images, "
                               "fonts, scripts, frame documents, XHR. The body is a blob "
                               "(stored once for all captures); `skipped` says why one was "
                               "not kept.",
                "facets": ["kind", "skipped", "mime_type"],
                "label_column": "url",
            },
            "frames": {
                "description": "The rendered DOM of each frame of a captured page.",
                "label_column": "url",
            },
            "watches": {
                "description": "Pages checked again on a schedule (`archiver watch add`); "
                               "their changes are at /-/archiver/DB/changes and in the Atom "
                               "feed /-/archiver/changes.atom.",
                "sort": "next_due",
                "facets": ["status", "site", "tag"],
                "columns": WATCH_COLUMNS,
                "label_column": "url",
            },
            "checks": {
                "description": "Every check of a watched page and what it found.",
                "sort_desc": "checked_at",
                "facets": ["outcome", "watch_id"],
                "columns": CHECK_COLUMNS,
            },
            "webhook_deliveries": {
                "description": "Each change POSTed to a webhook: attempts and the answer.",
                "facets": ["delivered"],
            },
            "blobs": {
                "description": "Raw HTML snapshots, screenshots and bodies, stored once by "
                               "sha256, zlib-compressed where that helps.",
                "hidden": False,
            },
        },
        "queries": CANNED_QUERIES,
    }


COLLAPSE_COLUMN_DESCRIPTIONS = """
const dl = document.querySelector("dl.column-descriptions");
if (dl) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "What the columns mean";
  dl.before(details);
  details.append(summary, dl);
}
"""
