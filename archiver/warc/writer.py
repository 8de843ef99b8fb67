"""The stored captures as WARC/1.1 records, written with warcio, one capture at a time.

For each capture:
* a `request` and a `response` record for every stored resource (the page's document, its
  redirect hops, stylesheets, images, fonts, frames ...), with the headers as recorded and the
  body as stored. The body is kept decoded, so `Content-Encoding` and `Transfer-Encoding` are
  left out of the written headers and `Content-Length` is the body's (as browser-based
  recorders do). A resource whose body was not kept (too large, timed out ...) is not written.
* a `revisit` record instead, when the same URL with the same body was written shortly before
  (identical-payload-digest profile; a bounded memory of recent payloads keeps memory flat).
* a capture made before resources were kept (resources_status 'none') gets its stored DOM
  snapshot (or, for a PDF, image ..., its body) as the page's response, under its final URL.
* `resource` records: the screenshot (`urn:view:URL`, WebP, PNG or JPEG), the extracted text
  (`urn:text:URL`), `urn:pageinfo:URL` (JSON: the URLs the page loaded, as Browsertrix
  writes it, so that an import finds every resource of the page again), and the rendered DOM
  of the page and of its frames (`urn:dom:URL`, `urn:frames:URL`), so that an import of the
  export shows the page as it was shown, not only as it was sent.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from http import HTTPStatus
from io import BytesIO
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlite_utils import Database
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import __version__, store
from archiver.warc import dates

GZIP_LEVEL = 6
"""Each record's gzip member: warcio's own level 9 takes 2.4 times as long for 2 % fewer bytes
(measured on the benchmark's article pages)."""
REVISIT_MEMORY = 20_000
"""(URL, body) pairs remembered for revisit records; older ones are written in full again."""
DROPPED_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
SOFTWARE = f"archiver {__version__} (warcio)"


@dataclass
class WrittenPage:
    """One capture as written: its entry of pages.jsonl, and counts."""

    entry: dict[str, Any]
    responses: int = 0
    revisits: int = 0
    not_kept: int = 0  # resources whose body was not stored, so not written


@dataclass
class _Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    date: str
    body_hash: str
    method: str = "GET"
    request_headers: dict[str, str] = field(default_factory=dict)


class _Members:
    """warcio writes each record, uncompressed, into a buffer; it goes to `out` as a gzip
    member of its own (what makes a .warc.gz readable record by record)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.buffer = BytesIO()
        self.warc = WARCWriter(self.buffer, gzip=False, warc_version="1.1")

    def write(self, record: Any) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.warc.write_record(record)
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.out.write(packer.compress(self.buffer.getbuffer()) + packer.flush())


class CaptureWriter:
    """Writes stored captures as gzipped WARC/1.1 records to `out`."""

    def __init__(self, db: Database, out: BinaryIO) -> None:
        self.db = db
        self.members = _Members(out)
        self.warc = self.members.warc  # builds the records
        self._written: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()

    def warcinfo(self, filename: str) -> None:
        info = {"software": SOFTWARE, "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                              "warc-format/warc-1.1/"}
        self.members.write(self.warc.create_warcinfo_record(filename, info))

    def write(self, capture: dict[str, Any]) -> WrittenPage:
        """Every record of one capture (a row of `store.export_captures`)."""
        page_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{capture['url']} {capture['captured_at']}"))
        written = WrittenPage(entry={})
        urls: dict[str, dict[str, Any]] = {}
        final = capture["final_url"] or capture["url"]
        has_document = False
        for row in store.capture_resources(self.db, capture["id"]):
            if self._write_resource(row, capture, written, urls):
                has_document = has_document or (row["url"] == final and bool(row["body_hash"]))
        if not has_document:
            document = self._snapshot_response(capture)
            if document is not None:
                self._write_response(document, written)
                urls.setdefault(document.url, {"status": document.status, "type": "document",
                                               "mime": _mime(document.headers)})
        page_url = capture["url"] if capture["url"] in urls or final not in urls else final
        if has_document:
            self._write_dom(capture, page_url)
        self._write_extras(capture, page_url, page_id, urls)
        written.entry = _page_entry(capture, page_url, page_id, urls)
        return written

    def _write_resource(self, row: dict[str, Any], capture: dict[str, Any],
                        written: WrittenPage, urls: dict[str, dict[str, Any]]) -> bool:
        """The records of one stored resource; False if it was not written (no body)."""
        status = row["status"] or 200
        body = store.resource_body(self.db, row)
        if body is None and not 300 <= status < 400:
            written.not_kept += 1
            return False
        response = _Response(
            url=row["url"], status=status, body=body or b"",
            headers=_with_type(_loads(row["headers"]), row["mime_type"] if body else None),
            date=dates.warc_date(row["fetched_at"] or capture["captured_at"]),
            body_hash=row["body_hash"] or "", method=row["method"] or "GET",
            request_headers=_loads(row["request_headers"]))
        self._write_response(response, written)
        urls.setdefault(row["url"], {"status": status, "type": row["kind"] or "other",
                                     "mime": _mime({"content-type": row["mime_type"] or ""})})
        return True

    def _snapshot_response(self, capture: dict[str, Any]) -> _Response | None:
        """The page's response for a capture that kept no resources: its DOM snapshot (HTML,
        re-encoded as UTF-8) or its body (PDF, image, text ...)."""
        headers = _with_type(_loads(capture["headers"]), capture["content_type"])
        if capture["snapshot_hash"]:
            body_hash = capture["snapshot_hash"]
            headers["content-type"] = "text/html; charset=utf-8"
        elif capture["body_hash"]:
            body_hash = capture["body_hash"]
        else:
            return None
        body = store.get_blob(self.db, body_hash).content
        return _Response(url=capture["final_url"] or capture["url"],
                         status=capture["http_status"] or 200, headers=headers, body=body,
                         date=dates.warc_date(capture["captured_at"]), body_hash=body_hash)

    def _write_response(self, response: _Response, written: WrittenPage) -> None:
        http = StatusAndHeaders(_status_line(response.status), _response_headers(response),
                                protocol="HTTP/1.1")
        key = (response.url, response.body_hash)
        earlier = self._written.get(key) if response.body else None
        warc_headers = {"WARC-Date": response.date}
        if earlier is not None:
            record = self.warc.create_revisit_record(
                response.url, earlier[1], response.url, earlier[0], http_headers=http,
                warc_headers_dict=warc_headers)
            written.revisits += 1
        else:
            record = self.warc.create_warc_record(
                response.url, "response", payload=BytesIO(response.body),
                length=len(response.body), http_headers=http, warc_headers_dict=warc_headers)
            written.responses += 1
            if response.body:
                self._remember(key, response.date,
                               record.rec_headers.get_header("WARC-Payload-Digest"))
        request = self.warc.create_warc_record(
            response.url, "request", http_headers=_request_http(response),
            warc_headers_dict={**warc_headers, "WARC-Concurrent-To":
                               record.rec_headers.get_header("WARC-Record-ID")})
        self.members.write(record)
        self.members.write(request)

    def _remember(self, key: tuple[str, str], date: str, digest: str) -> None:
        self._written[key] = (date, digest)
        self._written.move_to_end(key)
        while len(self._written) > REVISIT_MEMORY:
            self._written.popitem(last=False)

    def _write_extras(self, capture: dict[str, Any], page_url: str, page_id: str,
                      urls: dict[str, dict[str, Any]]) -> None:
        date = dates.warc_date(capture["captured_at"])
        if capture["screenshot_hash"]:
            blob = store.get_blob(self.db, capture["screenshot_hash"])
            self._resource(f"urn:view:{page_url}", date,
                           store.screenshot_type(blob.content, blob.content_type), blob.content)
        if capture["text"]:
            self._resource(f"urn:text:{page_url}", date, "text/plain; charset=utf-8",
                           capture["text"].encode("utf-8"))
        info = {"pageid": page_id, "url": page_url, "ts": capture["captured_at"],
                "title": capture["title"], "counts": {},
                "urls": {u: {k: v for k, v in meta.items() if v is not None}
                         for u, meta in urls.items()}}
        self._resource(f"urn:pageinfo:{page_url}", date, "application/json",
                       json.dumps(info, ensure_ascii=False).encode("utf-8"))

    def _write_dom(self, capture: dict[str, Any], page_url: str) -> None:
        """The rendered DOM (`urn:dom:URL`) and the frames' DOMs (`urn:frames:URL`, JSON), for
        a capture whose page response is the document as served: an import of the export
        gets the page as it was shown (scripts' changes included), not only as it was sent."""
        date = dates.warc_date(capture["captured_at"])
        if capture["snapshot_hash"]:
            dom = store.get_blob(self.db, capture["snapshot_hash"]).content
            self._resource(f"urn:dom:{page_url}", date, "text/html; charset=utf-8", dom)
        frames = [{"position": f["position"], "parent": f["parent"], "url": f["url"],
                   "html": (store.frame_snapshot(self.db, capture["id"], f["position"])
                            or b"").decode("utf-8", "replace")}
                  for f in store.capture_frames(self.db, capture["id"])]
        if frames:
            self._resource(f"urn:frames:{page_url}", date, "application/json",
                           json.dumps(frames, ensure_ascii=False).encode("utf-8"))

    def _resource(self, uri: str, date: str, content_type: str, data: bytes) -> None:
        record = self.warc.create_warc_record(
            uri, "resource", payload=BytesIO(data), length=len(data),
            warc_content_type=content_type, warc_headers_dict={"WARC-Date": date})
        self.members.write(record)


def _page_entry(capture: dict[str, Any], page_url: str, page_id: str,
                urls: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The capture's line of pages.jsonl (loadState 4 when the page's response was written,
    0 when the capture has none: it failed before anything arrived)."""
    document = urls.get(page_url) or urls.get(capture["final_url"] or "") or {}
    entry = {"id": page_id, "url": page_url, "title": capture["title"],
             "ts": capture["captured_at"], "loadState": 4 if urls else 0,
             "status": capture["http_status"], "mime": document.get("mime"),
             "text": capture["text"] or None}
    return {k: v for k, v in entry.items() if v is not None}


def _loads(headers: str | None) -> dict[str, str]:
    try:
        value = json.loads(headers) if headers else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _with_type(headers: dict[str, str], content_type: str | None) -> dict[str, str]:
    """Headers with a Content-Type (the stored type, when the headers name none)."""
    if content_type and not any(k.lower() == "content-type" for k in headers):
        headers["content-type"] = content_type
    return headers


def _mime(headers: dict[str, str]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";")[0].strip().lower() or None


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _header_lines(headers: dict[str, str], dropped: tuple[str, ...]) -> list[tuple[str, str]]:
    """Headers as HTTP lines: no HTTP/2 pseudo-headers, one line per value of a header that
    was reported joined by newlines (Set-Cookie)."""
    lines = []
    for name, value in headers.items():
        if name.startswith(":") or name.lower() in dropped:
            continue
        for part in str(value).split("\n"):
            lines.append((name, part.strip()))
    return lines


def _response_headers(response: _Response) -> list[tuple[str, str]]:
    lines = _header_lines(response.headers, DROPPED_HEADERS)
    if response.body or not 300 <= response.status < 400:
        lines.append(("Content-Length", str(len(response.body))))
    return lines


def _request_http(response: _Response) -> StatusAndHeaders:
    parts = urlsplit(response.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = _header_lines(response.request_headers, ())
    if not any(name.lower() == "host" for name, _ in lines):
        lines.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(f"{response.method} {target} HTTP/1.1", lines,
                            is_http_request=True)
