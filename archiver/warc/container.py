"""Opening a web archive file: a WACZ (a ZIP of WARC files, indexes and page lists) or a bare
WARC (`.warc`, `.warc.gz`). Nothing is read whole into memory.

WARC files stored uncompressed in the ZIP (as WACZ requires) are read in place, through a
window on the ZIP file; a deflated one is first copied out to a temporary file, refusing one
that claims to inflate more than MAX_ZIP_RATIO times (a ZIP bomb). Page lists are read line by
line, each line bounded.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from archiver.warc import WebArchiveError

MAX_ZIP_RATIO = 200
"""A ZIP member inflating more than this many times its compressed size is refused."""
MAX_PAGE_LINE = 32 * 1024 * 1024
"""Bytes of one line of a page list (pages.jsonl holds a page's text)."""
WARC_SUFFIXES = (".warc", ".warc.gz")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


@dataclass
class WarcSource:
    """One WARC file of an archive; `open()` gives a fresh seekable binary stream."""

    name: str  # for messages: "crawl.wacz/archive/data.warc.gz", or "crawl.warc.gz"
    open: Callable[[], BinaryIO]
    size: int


@dataclass
class ListedPage:
    """A page as a page list (pages.jsonl) gives it."""

    url: str
    ts: str | None = None
    title: str | None = None
    load_state: int | None = None
    text: str | None = None
    id: str | None = None


def detect_kind(path: Path) -> str | None:
    """"wacz" or "warc" from the file's first bytes (and name), None for anything else."""
    try:
        with path.open("rb") as file:
            head = file.read(8)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04") or (head.startswith(b"PK") and path.suffix == ".wacz"):
        return "wacz"
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"\x1f\x8b") and path.name.lower().endswith(WARC_SUFFIXES):
        return "warc"
    if head.startswith(b"\x1f\x8b"):
        return "warc" if _gzip_holds_warc(path) else None
    return None


def _gzip_holds_warc(path: Path) -> bool:
    import gzip

    try:
        with gzip.open(path, "rb") as file:
            return file.read(5) == b"WARC/"
    except (OSError, EOFError):
        return False


class WebArchive:
    """An open WACZ or WARC file: its WARC files and (for a WACZ) its page lists."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self.path = path
        self.scratch = scratch
        self.kind = detect_kind(path)
        self._stack = ExitStack()
        self._zip: zipfile.ZipFile | None = None
        self._copies: list[Path] = []
        self._inflated = 0
        self._inflate_budget = 0
        if self.kind is None:
            raise WebArchiveError(f"{path}: neither a WACZ (ZIP) nor a WARC file.")
        self.warcs = self._open_wacz() if self.kind == "wacz" else [self._bare_warc()]

    def __enter__(self) -> WebArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def _bare_warc(self) -> WarcSource:
        path = self.path
        return WarcSource(path.name, lambda: self._stack.enter_context(path.open("rb")),
                          path.stat().st_size)

    def _open_wacz(self) -> list[WarcSource]:
        try:
            self._zip = self._stack.enter_context(zipfile.ZipFile(self.path))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise WebArchiveError(
                f"{self.path}: not a readable ZIP file ({exc}). A WACZ cut short while copying "
                "has lost its table of contents: copy or download it again.") from exc
        _refuse_shared_bytes(self._zip.infolist(), self.path)
        self._inflate_budget = MAX_ZIP_RATIO * max(self.path.stat().st_size, 1024)
        members = [i for i in self._zip.infolist() if i.filename.startswith("archive/")
                   and i.filename.lower().endswith(WARC_SUFFIXES)]
        if not members:
            raise WebArchiveError(f"{self.path}: a ZIP without WARC files in archive/: "
                                  "not a WACZ.")
        return [self._member_source(info) for info in members]

    def _member_source(self, info: zipfile.ZipInfo) -> WarcSource:
        name = f"{self.path.name}/{info.filename}"
        if info.flag_bits & 0x1:
            raise WebArchiveError(f"{name}: encrypted; cannot be read.")
        if info.compress_type == zipfile.ZIP_STORED:
            start = self._data_offset(info, name)
            return WarcSource(name, lambda: self._window(start, info.file_size), info.file_size)
        copy = self._copy_out(info, name)
        return WarcSource(name, lambda: self._stack.enter_context(copy.open("rb")),
                          info.file_size)

    def _data_offset(self, info: zipfile.ZipInfo, name: str) -> int:
        """Where a stored member's bytes start in the ZIP (after its local header)."""
        with self.path.open("rb") as file:
            file.seek(info.header_offset)
            raw = file.read(_LOCAL_HEADER.size)
        if len(raw) < _LOCAL_HEADER.size or raw[:4] != b"PK\x03\x04":
            raise WebArchiveError(f"{name}: the ZIP's local header at offset "
                                  f"{info.header_offset} is damaged.")
        fields = _LOCAL_HEADER.unpack(raw)
        return int(info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1])

    def _window(self, start: int, size: int) -> BinaryIO:
        raw = self._stack.enter_context(self.path.open("rb"))
        return io.BufferedReader(_Window(raw, start, size), buffer_size=256 * 1024)

    def _copy_out(self, info: zipfile.ZipInfo, name: str) -> Path:
        _check_ratio(info, name)
        self._inflated += info.file_size
        if self._inflated > self._inflate_budget:
            raise WebArchiveError(
                f"{name}: the ZIP's deflated WARC files would inflate to more than "
                f"{self._inflate_budget:,} bytes in all ({MAX_ZIP_RATIO} times the file); "
                "refused as a possible ZIP bomb.")
        target = self.scratch / f"member-{len(self._copies)}.warc"
        self._copies.append(target)
        assert self._zip is not None
        try:
            with self._zip.open(info) as source, target.open("wb") as out:
                while block := source.read(1024 * 1024):
                    out.write(block)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise WebArchiveError(f"{name}: cannot be read from the ZIP ({exc}).") from exc
        return target

    def page_lists(self) -> list[str]:
        """The page lists of a WACZ (pages/pages.jsonl, pages/extraPages.jsonl ...)."""
        if self._zip is None:
            return []
        names = [n for n in self._zip.namelist()
                 if n.startswith("pages/") and n.endswith(".jsonl")]
        return sorted(names, key=lambda n: (n != "pages/pages.jsonl", n))

    def pages(self) -> Iterator[ListedPage | str]:
        """Every page of the page lists, in order; a line that is not a page is yielded as a
        message (str) naming the list and the line."""
        assert self._zip is not None or not self.page_lists()
        for list_name in self.page_lists():
            info = self._zip.getinfo(list_name) if self._zip else None
            if info is None:
                continue
            _check_ratio(info, f"{self.path.name}/{list_name}")
            with self._zip.open(info) as raw:  # type: ignore[union-attr]
                yield from _listed_pages(raw, f"{self.path.name}/{list_name}")


def _refuse_shared_bytes(infos: list[zipfile.ZipInfo], path: Path) -> None:
    """Each entry of the ZIP's directory must have bytes of its own: entries pointing at the
    same local header, or into another's data, would make one member read (and inflated)
    many times over."""
    previous: zipfile.ZipInfo | None = None
    for info in sorted(infos, key=lambda i: i.header_offset):
        if previous is not None:
            end = previous.header_offset + _LOCAL_HEADER.size + previous.compress_size
            if info.header_offset < end:
                raise WebArchiveError(
                    f"{path.name}: ZIP entries {previous.filename!r} and {info.filename!r} "
                    "share their bytes (a directory that lists one member many times); "
                    "refused as a possible ZIP bomb.")
        previous = info


def _check_ratio(info: zipfile.ZipInfo, name: str) -> None:
    if info.compress_type != zipfile.ZIP_STORED and \
            info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1024):
        raise WebArchiveError(
            f"{name}: claims to inflate from {info.compress_size:,} to {info.file_size:,} "
            f"bytes (more than {MAX_ZIP_RATIO}:1); refused as a possible ZIP bomb.")


def _listed_pages(raw: IO[bytes], name: str) -> Iterator[ListedPage | str]:
    lines = raw  # a ZipExtFile: buffered, and readline() takes a limit
    number = 0
    try:
        while line := lines.readline(MAX_PAGE_LINE + 1):
            number += 1
            if len(line) > MAX_PAGE_LINE and not line.endswith(b"\n"):
                yield f"{name}: line {number} is longer than {MAX_PAGE_LINE // 2**20} MB"
                _skip_line(lines)
                continue
            page = _page(line, name, number)
            if page is not None:
                yield page
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        yield f"{name}: cannot be read after line {number} ({exc})"


def _skip_line(lines: IO[bytes]) -> None:
    while chunk := lines.readline(MAX_PAGE_LINE):
        if chunk.endswith(b"\n"):
            return


def _page(line: bytes, name: str, number: int) -> ListedPage | str | None:
    if not line.strip():
        return None
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return f"{name}: line {number} is not JSON ({str(exc)[:80]})"
    if not isinstance(data, dict) or ("format" in data and "url" not in data):
        return None  # the header line: {"format": "json-pages-1.0", ...}
    url = data.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return f"{name}: line {number} has no http(s) URL"
    return ListedPage(url=url, ts=_text(data.get("ts")), title=_text(data.get("title")),
                      load_state=_int(data.get("loadState")), text=_text(data.get("text")),
                      id=_text(data.get("id")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Window(io.RawIOBase):
    """A read-only, seekable view of `size` bytes of a file from `start`."""

    def __init__(self, raw: BinaryIO, start: int, size: int) -> None:
        self.raw, self.start, self.size, self.position = raw, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, min(self.size, base + offset))
        return self.position

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.size - self.position)
        if want <= 0:
            return 0
        self.raw.seek(self.start + self.position)
        data = self.raw.read(want)
        buffer[:len(data)] = data
        self.position += len(data)
        return len(data)
