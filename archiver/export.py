"""Write the archive (or a search's hits) out as files that outlive the tool.

A page is written once, as its newest good version, with the page's tags, note and state
(`all_versions` writes every capture instead):

* `jsonl`: one JSON object per page (metadata, text, sanitized HTML, tags, note).
* `markdown`: one `.md` file per page, YAML front matter, the article as Markdown and its
  highlights.
* `html`: a static reader copy, `index.html` plus one sanitized page per page, and each
  one's archived page as one self-contained file; all open from disk and load nothing
  from the network.
* `annotations`: every highlight as a W3C Web Annotation, in one JSON-LD
  AnnotationCollection (`archiver.annotations`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlite_utils import Database

from archiver import store
from archiver.errors import ExportError
from archiver.markdown import to_markdown
from archiver.render import (
    STATIC,
    reading_minutes,
    render_article,
    template_environment,
    text_direction,
)
from archiver.replay.singlefile import single_file

FORMATS = ("jsonl", "markdown", "html", "annotations")
SKIPPED_COLUMNS = ("headers", "idempotency_key")
FRONT_MATTER = ("id", "page_id", "title", "url", "final_url", "site", "site_name", "byline",
                "published", "lang", "captured_at", "status", "word_count", "versions", "state",
                "favourite", "tags", "note")
# The static copy allows nothing but its own inline styles: archived text cannot run or fetch.
STATIC_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def export(db: Database, fmt: str, output: Path, query: str | None = None,
           since: str | None = None, pages: bool = True, all_versions: bool = False) -> int:
    """Write every page as its newest good version (or every capture, with `all_versions`;
    or the hits of `query`, or those taken on or after `since`) to `output` in `fmt`.
    Returns how many. With `pages`, the html format also writes each archived page as one
    self-contained file."""
    if fmt == "annotations":
        return write_annotations(db, output, query, since)
    rows = store.iter_captures(db, query) if all_versions else store.iter_pages(db, query)
    captures = (c for c in rows if not since or c["captured_at"] >= since)
    if fmt == "jsonl":
        with _open_file(output) as out:
            return write_jsonl(captures, out)
    if fmt == "markdown":
        return write_markdown(captures, _make_dir(output))
    if fmt == "html":
        return write_html(captures, _make_dir(output), db if pages else None)
    raise ExportError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")


def _open_file(path: Path) -> TextIO:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}") from exc


def _make_dir(path: Path) -> Path:
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path} is a file; this format writes a folder of files.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create {path}: {exc.strerror or exc}") from exc
    return path


def record(capture: dict[str, Any]) -> dict[str, Any]:
    """A capture as exported: every column but the internal ones."""
    return {k: v for k, v in capture.items() if k not in SKIPPED_COLUMNS}


def write_jsonl(captures: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for capture in captures:
        out.write(json.dumps(record(capture), ensure_ascii=False) + "\n")
        count += 1
    return count


def slug(text: str | None, max_length: int = 60) -> str:
    """A file-name-safe version of a title: ASCII, lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:max_length].strip("-") or "capture"


def file_stem(capture: dict[str, Any]) -> str:
    return f"{capture['id']}-{slug(capture.get('title'))}"


def markdown(capture: dict[str, Any]) -> str:
    """YAML front matter (values written as JSON, which YAML reads) and the article converted
    to Markdown (its plain text, escaped, when it has no HTML)."""
    lines = ["---"]
    for key in FRONT_MATTER:
        value = capture.get(key)
        if value not in (None, "", []):
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines += ["---", "", f"# {_no_html(capture.get('title') or capture['url'])}", ""]
    body = to_markdown(capture.get("html") or "", capture.get("final_url") or capture["url"])
    lines.append(body.strip() or _no_html((capture.get("text") or "").strip()))
    return "\n".join(lines) + "\n" + markdown_highlights(capture)


def markdown_highlights(capture: dict[str, Any]) -> str:
    """The page's highlights after the article: each quote as a block quote, its note under
    it; one this version no longer holds says so."""
    highlights = capture.get("highlights") or []
    if not highlights:
        return ""
    lines = ["", "## Highlights", ""]
    for item in highlights:
        quote = _no_html(item["exact"]).strip().splitlines() or [""]
        lines += [*(f"> {line}".rstrip() for line in quote), ""]
        if not store.quote_in(capture.get("text"), item["exact"]):
            lines += ["*(not in this version)*", ""]
        if item.get("note"):
            lines += [_no_html(item["note"].strip()), ""]
    return "\n".join(lines)


def write_annotations(db: Database, output: Path, query: str | None = None,
                      since: str | None = None) -> int:
    """Every highlight (of the pages matching `query`; made on or after `since`) as W3C
    Web Annotations in one JSON-LD file. Returns how many."""
    from archiver.annotations import collection

    pages = [row["page_id"] for row in store.iter_pages(db, query)] if query else None
    found = list(store.iter_highlights(db, pages, since))
    document = collection(found, "Highlights from archiver" + (f": {query}" if query else ""))
    with _open_file(output) as out:
        json.dump(document, out, ensure_ascii=False, indent=2)
        out.write("\n")
    return len(found)


def _no_html(text: str) -> str:
    """Archived text in Markdown: `<` escaped, so a renderer never sees a tag in it."""
    return text.replace("<", "\\<")


def write_markdown(captures: Iterable[dict[str, Any]], folder: Path) -> int:
    count = 0
    for capture in captures:
        (folder / f"{file_stem(capture)}.md").write_text(markdown(capture), encoding="utf-8")
        count += 1
    return count


def write_html(captures: Iterable[dict[str, Any]], folder: Path,
               db: Database | None = None) -> int:
    """A static reader copy: one page per capture and an index linking them; given `db`, also
    each capture's archived page as one self-contained file (`archiver show --page`)."""
    env = template_environment()
    css = (STATIC / "archiver.css").read_text(encoding="utf-8")
    page = env.get_template("export_capture.html")
    (folder / "captures").mkdir(exist_ok=True)
    entries = []
    for capture in captures:
        name = f"captures/{file_stem(capture)}.html"
        archived = _write_archived_page(db, capture, folder) if db is not None else None
        html = page.render(capture=capture, css=css, csp=STATIC_CSP, archived_page=archived,
                           article=render_article(capture.get("html")),
                           dir=text_direction(capture.get("lang")),
                           minutes=reading_minutes(capture.get("word_count")))
        (folder / name).write_text(html, encoding="utf-8")
        entries.append({**_summary(capture), "href": name})
    index = env.get_template("export_index.html")
    (folder / "index.html").write_text(index.render(captures=entries, css=css, csp=STATIC_CSP),
                                       encoding="utf-8")
    return len(entries)


def _write_archived_page(db: Database, capture: dict[str, Any], folder: Path) -> str | None:
    """The capture's archived page next to its reader page; its file name, or None."""
    if not capture.get("snapshot_hash"):
        return None
    name = f"{file_stem(capture)}.page.html"
    (folder / "captures" / name).write_text(single_file(db, capture["id"]), encoding="utf-8")
    return name


def _summary(capture: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "url", "site", "captured_at", "word_count", "lang", "tags")
    return {k: capture.get(k) for k in keys}


def iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Read a JSON-lines export back (for checks and re-imports)."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
