"""The extension's save path: POST /-/archiver/api/captures -> stored, against a real server.

Starts `archiver serve` on a fresh archive in a temporary directory, makes a token, and times
the round trip (request sent -> answer with the stored capture's id) for a typical page (about
100 KB of article HTML plus a screenshot of the visible area) and for a 5 MB page. Each post has
its own idempotency key, so each one is extracted and stored. Target: median < 150 ms for the
typical page.

example:
  python -m tests.bench api
  python -m tests.bench api --typical 50 --large 5
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

PARAGRAPH = (
    "<p>The committee met on Tuesday to discuss the proposal for the new library, which would "
    "replace the building that has served the town since 1911. Supporters argued that the "
    "collection has outgrown the old rooms; opponents worried about the cost and the loss of "
    "a landmark. A decision is expected next month, after a public consultation.</p>\n"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--typical", type=int, default=30, help="posts of the typical page")
    parser.add_argument("--large", type=int, default=5, help="posts of the 5 MB page")
    parser.add_argument("--page-kb", type=int, default=100, help="size of the typical page")


def article(size: int, title: str) -> str:
    head = (f"<!DOCTYPE html><html><head><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>")
    body = PARAGRAPH * max(1, size // len(PARAGRAPH))
    return head + body + "</article></body></html>"


def screenshot_png(width: int = 1280, height: int = 800, seed: int = 1) -> bytes:
    """A PNG of the viewport's size whose compressed size is like a real page's (~150 KB)."""
    rng = random.Random(seed)
    rows = []
    for y in range(height):
        noisy = y % 8 == 0  # text-like rows are noisy, the rest is flat background
        row = bytes(rng.getrandbits(8) for _ in range(width * 3)) if noisy else b"\xf0" * width * 3
        rows.append(b"\x00" + row)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/-/versions.json")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("archiver serve did not start")


def post(port: int, token: str, payload: dict[str, Any]) -> float:
    body = json.dumps(payload).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("POST", "/-/archiver/api/captures", body=body,
                 headers={"Authorization": f"Bearer {token}",
                          "Content-Type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read())
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 201:
        raise SystemExit(f"POST failed: {response.status} {answer}")
    return elapsed


def measure(port: int, token: str, html: str, shot: str, count: int) -> list[float]:
    times = []
    for n in range(count):
        payload = {"url": f"https://bench.example/page/{n}", "title": "Bench", "html": html,
                   "screenshot": shot, "idempotency_key": uuid.uuid4().hex}
        times.append(post(port, token, payload))
    return times


def summary(name: str, size: int, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(times)
    return (f"{name:<22} {size / 1e6:6.2f} MB  n={len(times):<3} median {median:7.1f} ms"
            f"  p95 {p95:7.1f} ms  max {ordered[-1]:7.1f} ms")


def run(args: argparse.Namespace) -> int:
    shot = "data:image/png;base64," + base64.b64encode(screenshot_png()).decode()
    typical = article(args.page_kb * 1000, "Typical page")
    large = article(5_000_000, "Large page")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        token = subprocess.run([sys.executable, "-m", "archiver", "token", "--db", str(db)],
                               check=True, capture_output=True, text=True).stdout.strip()
        port = free_port()
        proc = start_server(db, port)
        try:
            measure(port, token, typical, shot, 2)  # warm-up: imports, first connection
            typical_times = measure(port, token, typical, shot, args.typical)
            large_times = measure(port, token, large, shot, args.large)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"screenshot {len(shot) * 3 // 4 / 1000:.0f} KB; POST -> stored, one at a time")
    print(summary("typical page + shot", len(typical) + len(shot), typical_times))
    print(summary("5 MB page + shot", len(large) + len(shot), large_times))
    ok = statistics.median(typical_times) < 150
    print(f"target median < 150 ms for the typical page: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1
