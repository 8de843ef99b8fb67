"""`archiver export --format wacz | warc`: the archive as a WACZ 1.1.1 package or a WARC file.

A WACZ is a ZIP holding `archive/data.warc.gz` (the records, one gzip member each, stored
uncompressed in the ZIP so that replay tools read a record by its offset), a CDXJ index in
ZipNum form (`indexes/index.cdx.gz` in blocks of 1,024 lines, `indexes/index.idx` naming each
block), `pages/pages.jsonl` (url, title, ts, text of every page) and `datapackage.json` with
the sha256 and size of each file (plus `datapackage-digest.json`, its own hash).

Everything streams: the records are written as the captures are read, the index is sorted by
cdxj-indexer in bounded memory (spilling to temporary files), the ZIP is written from files.
The result is written next to the output and renamed into place when complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from sqlite_utils import Database

from archiver.store import warc as warc_store
from archiver.warc import WebArchiveError
from archiver.warc.writer import SOFTWARE, CaptureWriter

WACZ_VERSION = "1.1.1"
INDEX_LINES = 1024  # CDXJ lines per compressed block, as py-wacz and ArchiveWeb.page write
SORT_BUFFER = 8 * 1024 * 1024
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages",
                "hasText": True}

ProgressFn = Callable[[int], None]


@dataclass
class ExportSummary:
    captures: int = 0
    responses: int = 0
    revisits: int = 0
    not_kept: int = 0
    bytes: int = 0


def export_warc(db: Database, output: Path, query: str | None = None,
                since: str | None = None, progress: ProgressFn | None = None) -> ExportSummary:
    """Every capture (or a search's hits, or those since a date) as one gzipped WARC file."""
    with _replacing(output) as (folder, target):
        with target.open("wb") as out:
            summary = _write_records(db, out, output.name, query, since, progress, None)
        summary.bytes = target.stat().st_size
    return summary


def export_wacz(db: Database, output: Path, query: str | None = None,
                since: str | None = None, progress: ProgressFn | None = None) -> ExportSummary:
    """Every capture (or a search's hits, or those since a date) as a WACZ file."""
    with _replacing(output) as (folder, target):
        warc_path, pages_path = folder / "data.warc.gz", folder / "pages.jsonl"
        with warc_path.open("wb") as out, pages_path.open("w", encoding="utf-8") as pages:
            pages.write(json.dumps(PAGES_HEADER) + "\n")
            summary = _write_records(db, out, "data.warc.gz", query, since, progress, pages)
        index_path, idx_path = write_index(warc_path, folder)
        files = {"archive/data.warc.gz": warc_path, "indexes/index.cdx.gz": index_path,
                 "indexes/index.idx": idx_path, "pages/pages.jsonl": pages_path}
        _write_zip(target, files, _main_page(pages_path))
        summary.bytes = target.stat().st_size
    return summary


@contextmanager
def _replacing(output: Path) -> Iterator[tuple[Path, Path]]:
    """A scratch folder next to `output` and a file in it that replaces `output` at the end
    (only if everything before succeeded)."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{output.name}.", dir=output.parent) as tmp:
            target = Path(tmp) / output.name
            yield Path(tmp), target
            os.replace(target, output)
    except OSError as exc:
        raise WebArchiveError(f"Cannot write {output}: {exc.strerror or exc}") from exc


def _write_records(db: Database, out: BinaryIO, name: str, query: str | None,
                   since: str | None, progress: ProgressFn | None,
                   pages: IO[str] | None) -> ExportSummary:
    writer = CaptureWriter(db, out)
    writer.warcinfo(name)
    summary = ExportSummary()
    for capture in warc_store.export_captures(db, query, since):
        written = writer.write(capture)
        summary.captures += 1
        summary.responses += written.responses
        summary.revisits += written.revisits
        summary.not_kept += written.not_kept
        if pages is not None:
            pages.write(json.dumps(written.entry, ensure_ascii=False) + "\n")
        if progress:
            progress(1)
    return summary


def write_index(warc_path: Path, folder: Path) -> tuple[Path, Path]:
    """The CDXJ index of a WARC file, sorted and compressed in ZipNum blocks (cdxj-indexer,
    with py-wacz's settings)."""
    from cdxj_indexer.main import CDXJIndexer

    index_path, idx_path = folder / "index.cdx.gz", folder / "index.idx"
    with index_path.open("wb") as blocks:
        indexer = CDXJIndexer(
            str(idx_path), [str(warc_path)], sort=True, post_append=True, compress=blocks,
            data_out_name="index.cdx.gz", lines=INDEX_LINES, digest_records=True,
            fields="referrer", max_sort_buff_size=SORT_BUFFER, filename=warc_path.name)
        indexer.process_all()
    return index_path, idx_path


def _main_page(pages_path: Path) -> dict[str, Any] | None:
    with pages_path.open(encoding="utf-8") as pages:
        pages.readline()
        first = pages.readline()
    return json.loads(first) if first.strip() else None


def _write_zip(target: Path, files: dict[str, Path], main: dict[str, Any] | None) -> None:
    """The WACZ: WARC and index blocks stored (readable by offset), the rest deflated."""
    resources = []
    with zipfile.ZipFile(target, "w", allowZip64=True) as wacz:
        for path_in_zip, path in files.items():
            stored = path_in_zip.endswith(".gz")
            wacz.write(path, path_in_zip,
                       compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
            resources.append({"name": path.name, "path": path_in_zip,
                              "hash": f"sha256:{_sha256(path)}", "bytes": path.stat().st_size})
        package = _datapackage(resources, main)
        wacz.writestr("datapackage.json", package, compress_type=zipfile.ZIP_DEFLATED)
        digest = {"path": "datapackage.json",
                  "hash": f"sha256:{hashlib.sha256(package).hexdigest()}"}
        wacz.writestr("datapackage-digest.json", json.dumps(digest, indent=2),
                      compress_type=zipfile.ZIP_DEFLATED)


def _datapackage(resources: list[dict[str, Any]], main: dict[str, Any] | None) -> bytes:
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": "archiver export",
        "software": SOFTWARE,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": resources,
    }
    if main:
        package["mainPageUrl"], package["mainPageDate"] = main.get("url"), main.get("ts")
    return json.dumps(package, indent=2).encode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def count(db: Database, query: str | None, since: str | None) -> int:
    return warc_store.count_export(db, query, since)

