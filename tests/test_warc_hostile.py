"""Hostile web archives in (issue #29, SECURITY.md's probe table): header lines without end,
lengths beyond 2^63, ZIP entries that share bytes, page lists of pages that are not there, an
import stopped by a signal."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

from click.testing import CliRunner, Result
from warcs import Response, records_of, wacz_file, warc_file

from archiver import store
from archiver.cli import cli
from archiver.warc.records import BadRecord, RecordInfo, scan


def imported(db_path: Path, file: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["import", str(file), "--db", str(db_path), "--no-progress",
                                    *args])


def captured_urls(db_path: Path) -> set[str]:
    db = store.open_db(db_path)
    return {row[0] for row in db.execute("SELECT url FROM captures")}


def page(n: int) -> Response:
    return Response(f"https://site.example/{n}", f"<title>Page {n}</title><p>Text {n} about "
                    f"lighthouses.</p>".encode(), date=f"2026-03-01T10:0{n}:00Z")


def raw_record(headers: list[bytes],
               body: bytes = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>x") -> bytes:
    """One WARC response record written by hand, as a gzip member (header lines as given)."""
    lines = [b"WARC/1.1", b"WARC-Type: response", b"WARC-Target-URI: https://bad.example/",
             b"WARC-Date: 2026-03-01T10:00:00Z",
             b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>",
             b"Content-Type: application/http; msgtype=response", *headers]
    if not any(h.lower().startswith(b"content-length:") for h in headers):
        lines.append(b"Content-Length: %d" % len(body))
    return gzip.compress(b"\r\n".join(lines) + b"\r\n\r\n" + body + b"\r\n\r\n", 1)


def with_bad_record(tmp_path: Path, name: str, bad: bytes) -> tuple[Path, int]:
    """A WARC of three pages with `bad` (a gzip member) after the first; its offset."""
    good = warc_file(tmp_path / "good.warc.gz", [page(0), page(1), page(2)])
    data = good.read_bytes()
    at = min(r.offset for r in records_of(good) if r.url == "https://site.example/1")
    path = tmp_path / name
    path.write_bytes(data[:at] + bad + data[at:])
    return path, at


def scanned(path: Path) -> tuple[list[RecordInfo], list[BadRecord], int]:
    """The scan's records and bad records, and the peak memory it took (tracemalloc)."""
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            items = list(scan(stream, path.name))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return ([i for i in items if isinstance(i, RecordInfo)],
            [i for i in items if isinstance(i, BadRecord)], peak)


# --- 5. header lines without end


def test_a_header_line_of_megabytes_is_a_bad_record_read_in_bounded_memory(
        tmp_path: Path) -> None:
    line = b"X-Long: " + secrets.token_hex(2 * 1024 * 1024).encode()  # 4 MB, incompressible
    path, at = with_bad_record(tmp_path, "long-line.warc.gz", raw_record([line]))
    good, bad, peak = scanned(path)
    assert [b.offset for b in bad] == [at]
    assert "header line longer than" in bad[0].problem
    assert {r.url for r in good if r.type == "response"} == {
        f"https://site.example/{n}" for n in range(3)}
    assert peak < 2 * 1024 * 1024, f"peak {peak:,} bytes: the line was read whole"


def test_a_header_of_too_many_lines_is_a_bad_record(tmp_path: Path) -> None:
    lines = [b"X-Many-%d: y" % n for n in range(20_000)]
    path, at = with_bad_record(tmp_path, "many-lines.warc.gz", raw_record(lines))
    good, bad, _ = scanned(path)
    assert [b.offset for b in bad] == [at]
    assert "header of more than" in bad[0].problem
    assert len([r for r in good if r.type == "response"]) == 3


def test_a_long_header_line_is_reported_by_the_import_which_goes_on(
        db_path: Path, tmp_path: Path) -> None:
    line = b"X-Long: " + b"a" * (200 * 1024)
    path, at = with_bad_record(tmp_path, "long.warc.gz", raw_record([line]))
    result = imported(db_path, path)
    assert f"bad record: long.warc.gz: record at offset {at}: " in result.stderr
    assert captured_urls(db_path) == {f"https://site.example/{n}" for n in range(3)}


# --- 7. Content-Length beyond 2^63


def test_a_content_length_beyond_2_63_is_a_bad_record_and_the_import_goes_on(
        db_path: Path, tmp_path: Path) -> None:
    bad = raw_record([b"Content-Length: %d" % 2**63])
    path, at = with_bad_record(tmp_path, "huge-length.warc.gz", bad)
    result = imported(db_path, path)
    assert "OverflowError" not in result.output + result.stderr
    assert f"bad record: huge-length.warc.gz: record at offset {at}: " in result.stderr
    assert captured_urls(db_path) == {f"https://site.example/{n}" for n in range(3)}
    assert not isinstance(result.exception, OverflowError)


# --- 6. ZIP entries that share their bytes


def duplicate_entries(path: Path, name: str, copies: int) -> None:
    """Repeat the central directory entry of `name` `copies` times: every copy points at the
    same local header and data (a ZIP of one member that reads as `copies` members)."""
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    (_, _, _, _, count, size, start, comment) = struct.unpack("<4s4H2LH", data[end:end + 22])
    directory = data[start:start + size]
    entries, at = [], 0
    while at < len(directory):
        name_len, extra_len, comment_len = struct.unpack("<3H", directory[at + 28:at + 34])
        length = 46 + name_len + extra_len + comment_len
        entries.append(directory[at:at + length])
        at += length
    wanted = next(e for e in entries if e[46:46 + len(name)] == name.encode())
    entries += [wanted] * copies
    new_directory = b"".join(entries)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                       len(new_directory), start, comment)
    path.write_bytes(data[:start] + new_directory + eocd + data[end + 22:])


def test_zip_entries_sharing_one_members_bytes_are_refused(
        db_path: Path, tmp_path: Path) -> None:
    warc = warc_file(tmp_path / "data.warc", [page(0), page(1)], gzip_members=False)
    padding = secrets.token_hex(10_000).encode() + b"\r\n" * 400_000  # about 75:1
    warc.write_bytes(warc.read_bytes() + padding)
    path = tmp_path / "shared.wacz"
    with zipfile.ZipFile(path, "w") as wacz:
        wacz.write(warc, "archive/data.warc", compress_type=zipfile.ZIP_DEFLATED)
        wacz.writestr("datapackage.json", json.dumps({"profile": "data-package"}))
    duplicate_entries(path, "archive/data.warc", 50)
    with zipfile.ZipFile(path) as check:
        assert len([n for n in check.namelist() if n == "archive/data.warc"]) == 51
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    result = subprocess.run([sys.executable, "-m", "archiver", "import", str(path), "--db",
                             str(db_path), "--no-progress"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "share their bytes" in result.stderr and "Traceback" not in result.stderr
    assert not any(scratch.iterdir())


# --- 8. a page list of pages that are not in the archive


def test_pages_listed_without_records_are_counted_not_stored_beyond_a_few(
        db_path: Path, tmp_path: Path) -> None:
    cap = 100  # archiver.warc.importer.MAX_MISSING_PAGES
    warc = warc_file(tmp_path / "a.warc.gz", [page(0)])
    listed = [{"url": "https://site.example/0", "ts": "2026-03-01T10:00:00Z"}]
    listed += [{"url": f"http://10.0.{n // 250}.{n % 250}/admin", "ts": "2026-03-01T10:00:00Z"}
               for n in range(1500)]
    result = imported(db_path, wacz_file(tmp_path / "listed.wacz", warc, listed))
    assert "listed but not in the archive: 1,500 page(s)" in result.stderr
    urls = captured_urls(db_path)
    assert "https://site.example/0" in urls
    assert len(urls) == 1 + cap
    failures = CliRunner().invoke(cli, ["failures", "--db", str(db_path)])
    assert failures.output.count("http://10.0.") <= cap


# --- 9. an import stopped by a signal


def test_an_import_ended_by_sigterm_leaves_no_scratch_folder(
        db_path: Path, tmp_path: Path) -> None:
    pages = [Response(f"https://many.example/{n}", f"<title>Page {n}</title><p>Text {n} about "
                      f"lighthouses and harbours.</p>".encode() * 50,
                      date=f"2026-03-01T10:{n // 60:02d}:{n % 60:02d}Z") for n in range(400)]
    warc = warc_file(tmp_path / "many.warc", pages, gzip_members=False)
    path = tmp_path / "many.wacz"
    with zipfile.ZipFile(path, "w") as wacz:  # deflated: copied out to the scratch folder too
        wacz.write(warc, "archive/many.warc", compress_type=zipfile.ZIP_DEFLATED)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "import", str(path), "--db",
                             str(db_path), "--no-progress"], env={**os.environ,
                                                                  "TMPDIR": str(scratch)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            folders = list(scratch.glob("archiver-import-*"))
            if folders and (folders[0] / "records.db").exists():
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the import ended before it could be stopped"
        time.sleep(1.0)  # well into the import
        assert proc.poll() is None, "the import ended before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr.read().decode() if proc.stderr else True
    assert list(scratch.iterdir()) == []
