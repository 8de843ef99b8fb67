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

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "wacz"  # ../shared
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
        request_http = StatusAndHeaders(f"GET {path} HTTP/1.1",
                                        [("Host", host), ("Sec-Fetch-Dest", item.dest)],
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
