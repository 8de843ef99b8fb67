"""Reading WARC files with warcio: a checked scan of every record, and one record by offset.

The scan reads each record to its end in small blocks, so it checks the record's length (the
bytes are all there, and followed by the blank lines that end a record) and its block and
payload digests, and it never holds a payload in memory. A damaged record is reported with its
offset and the scan goes on at the next record it can find (the next gzip member, or the next
`WARC/1.` line), so one bad record does not cost the rest of the file.

`fetch` reads one record's payload back, bounded (MAX_PAYLOAD raw bytes, MAX_DECODED after
the Content-Encoding is undone, with capped inflation: a gzip or brotli bomb stops there).
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BUFF_SIZE, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed

from archiver.warc import WebArchiveError

MAX_PAYLOAD = 64 * 1024 * 1024
"""Raw payload bytes of one record read into memory; a larger body is recorded as too large."""
MAX_DECODED = 64 * 1024 * 1024
"""Bytes a payload may inflate to when its Content-Encoding (gzip, deflate, br) is undone."""
MAX_HEADER_LINE = 64 * 1024
"""Bytes of one header line (WARC or HTTP): a longer one makes its record bad, and is not read
further than that (warcio reads a line whole, however long)."""
MAX_HEADER_LINES = 1000
MAX_HEADER_BYTES = 1024 * 1024
"""Lines and bytes of a record's headers (its WARC and HTTP headers together)."""
BLOCK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, IndexError,
               UnicodeDecodeError, KeyError, OverflowError)


@dataclass
class RecordInfo:
    """What the scan keeps of one record: where it is, and the headers needed to find it."""

    offset: int
    length: int
    type: str
    url: str | None = None
    date: str | None = None
    record_id: str | None = None
    concurrent_to: str | None = None
    status: int | None = None
    mime: str | None = None
    location: str | None = None
    digest: str | None = None
    refers_uri: str | None = None
    refers_date: str | None = None
    fetch_dest: str | None = None  # a request's Sec-Fetch-Dest: document, iframe, image ...
    method: str | None = None
    page_id: str | None = None
    referer: str | None = None  # a request's Referer: the page or frame that asked for it


@dataclass
class BadRecord:
    offset: int
    problem: str


@dataclass
class Fetched:
    """One record read back: its HTTP status and headers, and its payload (decoded)."""

    type: str
    url: str | None
    date: str | None
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    request_line: str | None = None  # requests: "GET /path HTTP/1.1"
    body: bytes | None = None
    size: int | None = None  # payload bytes as stored (before Content-Encoding is undone)
    problem: str | None = None  # why `body` is None: "too large: ...", "failed: ..."
    content_type: str | None = None  # the WARC record's own Content-Type (resource records)


class HeaderTooLarge(ValueError):
    """A record whose headers go beyond MAX_HEADER_LINE, MAX_HEADER_LINES or MAX_HEADER_BYTES."""


class _BoundedReader(DecompressingBufferedReader):  # type: ignore[misc]
    """warcio's reader, whose lines (what its header parsers read) are bounded: a line is read
    at most MAX_HEADER_LINE bytes far, a record's headers at most so many lines and bytes.
    A length asked for beyond that (a LimitReader passes a record's whole Content-Length,
    which may be 2^63 and overflow) is cut to it too."""

    lines = 0
    header_bytes = 0

    def readline(self, length: int | None = None) -> bytes:
        wanted = MAX_HEADER_LINE + 1 if length is None or length > MAX_HEADER_LINE else length
        bounded = wanted == MAX_HEADER_LINE + 1
        line: bytes = super().readline(wanted)
        while line and not line.endswith(b"\n") and len(line) < wanted:
            more = super().readline(wanted - len(line))  # warcio stops short at a block's end
            if not more:
                break
            line += more
        if bounded and len(line) > MAX_HEADER_LINE:
            raise HeaderTooLarge(f"a header line longer than {MAX_HEADER_LINE // 1024} KB")
        self.lines += 1
        self.header_bytes += len(line)
        if self.lines > MAX_HEADER_LINES or self.header_bytes > MAX_HEADER_BYTES:
            raise HeaderTooLarge(f"a header of more than {MAX_HEADER_LINES:,} lines or "
                                 f"{MAX_HEADER_BYTES // 2**20} MB")
        return line


class _QuietIterator(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator, without its warnings on stderr: a record not followed by blank lines
    (a wrong Content-Length) is counted in `err_count`, and reported by the scan instead.
    Its reader is bounded (`_BoundedReader`), its counts started again at each record."""

    def __init__(self, stream: BinaryIO, **kwargs: Any) -> None:
        super().__init__(stream, **kwargs)
        self.reader: _BoundedReader = _BoundedReader(self.fh, block_size=BUFF_SIZE)

    def _next_record(self, next_line: Any) -> Any:
        self.reader.lines = self.reader.header_bytes = 0
        return super()._next_record(next_line)

    def _consume_blanklines(self) -> Any:
        with contextlib.redirect_stderr(io.StringIO()):
            return super()._consume_blanklines()


def is_gzip(stream: BinaryIO) -> bool:
    stream.seek(0)
    head = stream.read(3)
    stream.seek(0)
    return head == GZIP_MAGIC


def scan(stream: BinaryIO, name: str) -> Iterator[RecordInfo | BadRecord]:
    """Every record of a seekable WARC stream, checked, in file order; damaged ones as
    BadRecord (offset and problem), after which the scan resumes at the next record found."""
    magic = GZIP_MAGIC if is_gzip(stream) else WARC_MAGIC
    position: int | None = 0
    reported = False  # the damage at hand was reported: a resync's own failures are not
    while position is not None:
        for item in _scan_from(stream, name, position):
            if isinstance(item, BadRecord):
                if not reported:
                    yield item
                reported = True
                position = _next_start(stream, magic, item.offset + 1)
                break
            reported = False
            yield item
        else:
            position = None


def _scan_from(stream: BinaryIO, name: str, position: int) -> Iterator[RecordInfo | BadRecord]:
    stream.seek(position)
    iterator = _QuietIterator(stream, check_digests=True)
    while True:
        start = iterator.offset
        try:
            record = next(iterator)
        except StopIteration:
            return
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" in str(exc):
                raise WebArchiveError(
                    f"{name}: the file is one gzip stream, not one gzip member per record, so "
                    "its records cannot be read one by one. Recompress it: `warcio recompress "
                    f"{name} fixed.warc.gz`.") from exc
            yield BadRecord(start, f"not a WARC record ({_short(exc)})")
            return
        except READ_ERRORS as exc:
            yield BadRecord(start, f"cannot be read ({_short(exc)})")
            return
        checked = _checked(iterator, record, start)
        yield checked
        if isinstance(checked, BadRecord):
            return


def _checked(iterator: _QuietIterator, record: Any, start: int) -> RecordInfo | BadRecord:
    """Read the record to its end (checking digests and length) and describe it."""
    errors_before = iterator.err_count
    try:
        missing = _drain(record)
        length = iterator.get_record_length()
    except READ_ERRORS as exc:
        return BadRecord(start, f"cannot be read to its end ({_short(exc)})")
    problems = []
    if missing:
        problems.append(f"truncated: {missing:,} byte(s) of its Content-Length are missing "
                        "(a cut file, or a wrong Content-Length)")
    if iterator.err_count > errors_before:
        problems.append("its Content-Length does not match the record (no blank line after it)")
    digests = record.digest_checker.problems if record.digest_checker else []
    if digests:
        problems.append(f"digest mismatch, the content is not what was recorded "
                        f"({'; '.join(digests)})")
    if problems:
        return BadRecord(start, "; ".join(problems))
    return describe(record, start, length)


def _drain(record: Any) -> int:
    """Read the rest of the record in blocks; returns how many bytes of it were missing."""
    stream = record.raw_stream
    while stream.read(BLOCK):
        pass
    return max(0, int(getattr(stream, "limit", 0) or 0))


def describe(record: Any, offset: int, length: int) -> RecordInfo:
    headers = record.rec_headers
    info = RecordInfo(
        offset=offset, length=length, type=record.rec_type or "",
        url=headers.get_header("WARC-Target-URI"), date=headers.get_header("WARC-Date"),
        record_id=headers.get_header("WARC-Record-ID"),
        concurrent_to=headers.get_header("WARC-Concurrent-To"),
        digest=headers.get_header("WARC-Payload-Digest"),
        refers_uri=headers.get_header("WARC-Refers-To-Target-URI"),
        refers_date=headers.get_header("WARC-Refers-To-Date"),
        page_id=headers.get_header("WARC-Page-ID"),
        mime=_mime(headers.get_header("Content-Type")),
    )
    http = record.http_headers
    if http is not None and info.type in ("response", "revisit"):
        info.status = _status(http.get_statuscode())
        info.mime = _mime(http.get_header("Content-Type"))
        info.location = http.get_header("Location")
    elif http is not None and info.type == "request":
        info.method = (http.protocol or "GET").upper()
        info.fetch_dest = (http.get_header("Sec-Fetch-Dest") or "").lower() or None
        info.referer = http.get_header("Referer")
    return info


def _status(code: str | None) -> int | None:
    try:
        return int(code or "")
    except ValueError:
        return None


def _mime(content_type: str | None) -> str | None:
    mime = (content_type or "").split(";")[0].strip().lower()
    return mime or None


def _short(exc: BaseException) -> str:
    """An exception as a short, printable message (warcio quotes the bytes it choked on)."""
    text = str(exc)
    if "first line:" in text:
        return "no WARC header at this offset: damaged or truncated data"
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:160] or type(exc).__name__


def _next_start(stream: BinaryIO, magic: bytes, position: int) -> int | None:
    """The offset of the next possible record start at or after `position`, or None."""
    stream.seek(position)
    carry = b""
    base = position
    while True:
        block = stream.read(BLOCK * 4)
        if not block:
            return None
        data = carry + block
        found = data.find(magic)
        if found >= 0:
            return base - len(carry) + found
        carry = data[-(len(magic) - 1):]
        base += len(block)


# --- one record by offset


def fetch(stream: BinaryIO, offset: int, name: str) -> Fetched:
    """The record at `offset`, with its payload read (bounded) and decoded."""
    stream.seek(offset)
    try:
        record = next(_QuietIterator(stream))
        fetched = _fetched(record)
    except (StopIteration, *READ_ERRORS) as exc:
        raise WebArchiveError(f"{name}: record at offset {offset} cannot be read: "
                              f"{_short(exc)}") from exc
    return fetched


def _fetched(record: Any) -> Fetched:
    headers = record.rec_headers
    result = Fetched(type=record.rec_type or "", url=headers.get_header("WARC-Target-URI"),
                     date=headers.get_header("WARC-Date"),
                     content_type=headers.get_header("Content-Type"))
    http = record.http_headers
    if http is not None and result.type in ("response", "revisit", "request"):
        result.headers = [(str(k), str(v)) for k, v in http.headers]
        if result.type == "request":
            result.request_line = f"{http.protocol} {http.statusline}"
        else:
            result.status = _status(http.get_statuscode())
    raw = record.raw_stream.read(MAX_PAYLOAD + 1)
    result.size = len(raw)
    if len(raw) > MAX_PAYLOAD:
        result.problem = f"too large: more than {MAX_PAYLOAD // 2**20} MB"
        return result
    if result.type == "revisit":
        return result
    result.body, result.problem = decode_body(raw, result.headers)
    return result


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


def decode_body(raw: bytes, headers: list[tuple[str, str]]) -> tuple[bytes | None, str | None]:
    """The payload as the browser saw it: chunked transfer coding and Content-Encoding undone,
    bounded. Returns (body, None) or (None, why not)."""
    if "chunked" in (header(headers, "transfer-encoding") or "").lower():
        raw = dechunk(raw)
    coding = (header(headers, "content-encoding") or "").strip().lower()
    if coding in ("", "identity", "none"):
        return raw, None
    try:
        return inflate(raw, coding), None
    except _TooLarge:
        return None, f"too large: inflates to more than {MAX_DECODED // 2**20} MB"
    except _NotEncoded:
        return raw, None  # stored already decoded, the header kept (some recorders do this)
    except _Unsupported:
        return None, f"failed: Content-Encoding {coding!r} is not supported"
    except (zlib.error, ValueError) as exc:
        return None, f"failed: the {coding} body cannot be decoded ({_short(exc)})"


class _TooLarge(Exception):
    pass


class _NotEncoded(Exception):
    pass


class _Unsupported(Exception):
    pass


def inflate(raw: bytes, coding: str) -> bytes:
    """Undo a Content-Encoding, refusing to produce more than MAX_DECODED bytes."""
    if coding in ("gzip", "x-gzip", "deflate"):
        return _inflate_zlib(raw, 47 if coding != "deflate" else 15)
    if coding == "br":
        return _inflate_brotli(raw)
    raise _Unsupported(coding)


def _inflate_zlib(raw: bytes, wbits: int) -> bytes:
    try:
        return _zlib_bounded(raw, wbits)
    except zlib.error:
        if wbits == 15:
            return _zlib_bounded(raw, -15)  # "deflate" sent as a raw deflate stream
        if raw[:2] != b"\x1f\x8b":
            raise _NotEncoded() from None
        raise


def _zlib_bounded(raw: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(raw, MAX_DECODED + 1)
    if len(out) > MAX_DECODED:
        raise _TooLarge()
    return out


def _inflate_brotli(raw: bytes) -> bytes:
    import brotli

    inflater = brotli.Decompressor()
    parts: list[bytes] = []
    total = 0
    try:
        chunk = inflater.process(raw, output_buffer_limit=BLOCK * 16)
        while True:
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_DECODED:
                raise _TooLarge()
            if inflater.is_finished() or inflater.can_accept_more_data():
                break
            chunk = inflater.process(b"", output_buffer_limit=BLOCK * 16)
    except brotli.error as exc:
        if not total:
            raise _NotEncoded() from exc
        raise ValueError(f"brotli: {exc}") from exc
    return b"".join(parts)


def dechunk(raw: bytes) -> bytes:
    """Undo `Transfer-Encoding: chunked` if the payload really is chunked (most recorders store
    it de-chunked and keep the header); otherwise the payload as it is."""
    out: list[bytes] = []
    position = 0
    while True:
        line_end = raw.find(b"\r\n", position)
        if line_end < 0:
            return raw
        size_text = raw[position:line_end].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return raw
        if size == 0:
            return b"".join(out)
        start = line_end + 2
        if start + size > len(raw):
            return raw
        out.append(raw[start:start + size])
        position = start + size + 2
