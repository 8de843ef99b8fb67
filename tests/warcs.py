"""Web archive files for the tests and benchmarks: WARC records written with warcio, WACZ
packages around them, and copies of real files damaged in known ways."""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import store
from archiver.models import Capture, FrameSnapshot, Resource
from archiver.save import extract_and_store
from tests.samples import png_image

FIXTURES = Path(__file__).parent / "fixtures" / "wacz"  # from ../shared/fixtures/wacz
BROWSERTRIX = FIXTURES / "browsertrix-example.wacz"
PY_WACZ = FIXTURES / "py-wacz-valid-example.wacz"
IANA = FIXTURES / "example-iana.warc.gz"


@dataclass
class Response:
    """One response to record (and the request that went with it)."""

    url: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    date: str = "2026-03-01T10:00:00Z"
    headers: list[tuple[str, str]] = field(default_factory=list)
    dest: str = "document"  # the request's Sec-Fetch-Dest
    referer: str | None = None  # the request's Referer


def write_records(out: BinaryIO, responses: Iterable[Response], gzip_members: bool = True) -> None:
    writer = WARCWriter(out, gzip=gzip_members, warc_version="1.1")
    for item in responses:
        reason = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}.get(
            item.status, "OK")
        headers = [("Content-Type", item.content_type), *item.headers]
        http = StatusAndHeaders(f"{item.status} {reason}", headers, protocol="HTTP/1.1")
        response = writer.create_warc_record(
            item.url, "response", payload=BytesIO(item.body), length=len(item.body),
            http_headers=http, warc_headers_dict={"WARC-Date": item.date})
        path = re.sub(r"^https?://[^/]+", "", item.url) or "/"
        host = item.url.split("/")[2]
        request_headers = [("Host", host), ("Sec-Fetch-Dest", item.dest)]
        if item.referer:
            request_headers.append(("Referer", item.referer))
        request_http = StatusAndHeaders(f"GET {path} HTTP/1.1", request_headers,
                                        is_http_request=True)
        request = writer.create_warc_record(item.url, "request", http_headers=request_http,
                                            warc_headers_dict={"WARC-Date": item.date})
        writer.write_request_response_pair(request, response)


def warc_file(path: Path, responses: Iterable[Response], gzip_members: bool = True) -> Path:
    with path.open("wb") as out:
        write_records(out, responses, gzip_members)
    return path


def wacz_file(path: Path, warc: Path, pages: list[dict[str, Any]],
              extra: dict[str, bytes] | None = None) -> Path:
    """A minimal WACZ around one WARC file and a page list (no index: the import needs none)."""
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    lines += [json.dumps(page) for page in pages]
    with zipfile.ZipFile(path, "w") as wacz:
        wacz.write(warc, f"archive/{warc.name}", compress_type=zipfile.ZIP_STORED)
        wacz.writestr("pages/pages.jsonl", "\n".join(lines) + "\n",
                      compress_type=zipfile.ZIP_DEFLATED)
        wacz.writestr("datapackage.json", json.dumps({"profile": "data-package",
                                                      "wacz_version": "1.1.1"}))
        for name, data in (extra or {}).items():
            wacz.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


@dataclass
class Located:
    type: str
    url: str | None
    offset: int
    length: int


def records_of(path: Path) -> list[Located]:
    """Every record of a WARC file: type, URL, offset and length."""
    found = []
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            record.raw_stream.read()
            found.append(Located(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                                 iterator.get_record_offset(), iterator.get_record_length()))
    return found


def find(located: list[Located], url: str, kind: str = "response") -> Located:
    return next(r for r in located if r.url == url and r.type == kind)


def replace_member(data: bytes, record: Located, new_member: bytes) -> bytes:
    return data[:record.offset] + new_member + data[record.offset + record.length:]


def edit_record(data: bytes, record: Located, edit: Any) -> bytes:
    """A copy of a per-record-gzipped WARC with one record's bytes changed by `edit`
    (a function of the uncompressed record), recompressed as its own member."""
    member = data[record.offset:record.offset + record.length]
    return replace_member(data, record, gzip.compress(edit(gzip.decompress(member))))


def flip_payload_byte(record: bytes) -> bytes:
    """The record with one byte of its payload changed (its digests no longer match)."""
    at = len(record) - 40
    return record[:at] + bytes([record[at] ^ 0x20]) + record[at + 1:]


def shift_length(delta: int) -> Any:
    def edit(record: bytes) -> bytes:
        found = re.search(rb"Content-Length: (\d+)", record)
        assert found
        return record.replace(found.group(0), b"Content-Length: %d" % (int(found.group(1))
                                                                        + delta), 1)
    return edit


# --- a small archive with every kind of capture, for the export tests

PNG = png_image(3, 40, 30)
CSS = b"@font-face { font-family: F; src: url('/fonts/f.woff2') }\nh1 { color: navy }\n"
FONT = bytes(range(256)) * 20


def page_html(n: int) -> bytes:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Keeper {n}"
            "</title><link rel='stylesheet' href='/site.css'></head><body><article><h1>"
            f"Lighthouse {n}</h1><p>The keepers of lighthouse number {n} kept the lamp lit "
            "through every winter storm, and wrote each night in the log what the sea had done."
            f"</p><img src='/img/{n}.png' alt='The light'></article></body></html>").encode()


def resource(url: str, body: bytes | None, mime: str, kind: str, status: int = 200,
             **extra: Any) -> Resource:
    headers = {"content-type": mime, "content-encoding": "gzip", "content-length": "7",
               "x-served-by": "cache-1", **extra.pop("headers", {})}
    return Resource(url=url, kind=kind, status=status, mime_type=mime.split(";")[0],
                    headers=headers, request_headers={"user-agent": "Test", "accept": "*/*"},
                    body=body, fetched_at=extra.pop("fetched_at", None), **extra)


def html_capture(n: int) -> Capture:
    """A page as a capture with resources records it: a redirect, the document, a stylesheet
    (shared by every page, so later copies become revisits) and the font it loads, an
    image, a video not kept; a screenshot."""
    base, when = "https://light.example", f"2026-02-0{n}T08:00:00.000Z"
    final = f"{base}/keepers/{n}"
    html = page_html(n)
    return Capture(
        url=f"{base}/k{n}", final_url=final, http_status=200, captured_at=when,
        content_type="text/html; charset=utf-8",
        headers={"content-type": "text/html; charset=utf-8", "set-cookie": "a=1\nb=2"},
        html=html.decode().replace("</article>", "<p>Logged by a script after load.</p>"
                                   "<iframe data-archiver-frame='0'></iframe></article>"),
        frames=[FrameSnapshot(0, f"{base}/tides/{n}", f"<p>Tide table {n}</p>")],
        screenshot=PNG, title=f"Keeper {n}",
        resources=[
            resource(f"{base}/k{n}", None, "text/html", "document", 301,
                     headers={"location": final}),
            resource(final, html, "text/html; charset=utf-8", "document",
                     headers={"set-cookie": "a=1\nb=2"}),
            resource(f"{base}/site.css", CSS, "text/css", "stylesheet"),
            resource(f"{base}/fonts/f.woff2", FONT, "font/woff2", "font"),
            resource(f"{base}/img/{n}.png", png_image(n, 60, 40), "image/png", "image"),
            resource(f"{base}/intro.mp4", None, "video/mp4", "media", size=90_000_000,
                     skipped="too large"),
        ])


def archive(db_path: Path) -> Any:
    """Three pages with resources, a capture from before resources were kept, a PDF, a
    failed capture."""
    db = store.open_db(db_path)
    for n in (1, 2, 3):
        extract_and_store(db, html_capture(n), "cli")
    old = Capture(url="https://old.example/", final_url="https://old.example/home",
                  http_status=200, content_type="text/html", captured_at="2025-05-01T00:00:00.000Z",
                  html="<html><head><title>Before resources</title></head><body><p>Kept from "
                       "the days before resources were stored, only the DOM.</p></body></html>",
                  resources_kept=False)
    extract_and_store(db, old, "cli")
    pdf = Capture(url="https://docs.example/a.pdf", final_url="https://docs.example/a.pdf",
                  http_status=200, content_type="application/pdf", body=b"%PDF-1.4 tiny",
                  captured_at="2025-06-01T00:00:00.000Z", resources_kept=False)
    extract_and_store(db, pdf, "cli")
    failed = Capture(url="https://gone.example/", status="failed", captured_at=
                     "2025-07-01T00:00:00.000Z", error="DNS: no such host", resources_kept=False)
    extract_and_store(db, failed, "cli")
    return db


