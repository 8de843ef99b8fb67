"""What `archiver save` shows while it works: a bar on a terminal that result lines do not run
into, a line a result where stderr is a file, failures in words."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from conftest import FixtureServer

from archiver.capture.quietly import friendly_error

FAST = ["--timeout", "10", "--request-timeout", "2", "--no-screenshot", "--concurrency", "1"]


def pages(server: FixtureServer, count: int) -> list[str]:
    return [server.add_page(f"/progress/{n}.html", f"<title>Page {n}</title><p>Text {n}.</p>")
            for n in range(count)]


def test_on_a_terminal_each_result_starts_on_a_clean_line(server: FixtureServer,
                                                          db_path: Path) -> None:
    urls = pages(server, 3)
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "save", *urls, "--db",
                             str(db_path), "--progress", *FAST],
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    screen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    assert proc.wait(60) == 0
    text = screen.decode("utf-8", "replace")
    assert "Archiving" in text  # the bar is drawn
    for n in range(3):
        line = f"\tPage {n}"
        at = text.index(line)
        start = text.rfind("\n", 0, at) + 1
        before = text[start:at]
        # the id and the title, on a line of their own: the bar was rubbed out first
        assert before.split("\x1b[K")[-1].strip("\r").isdigit(), repr(text[start - 80:at + 20])


def test_progress_without_a_terminal_is_a_line_a_result(server: FixtureServer,
                                                        db_path: Path) -> None:
    urls = pages(server, 2)
    done = subprocess.run([sys.executable, "-m", "archiver", "save", *urls, "--db",
                           str(db_path), "--progress", *FAST],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "Archiving 2 page(s) ..." in lines
    assert "Archiving: 1/2 (1 saved, 0 failed)" in lines
    assert "Archiving: 2/2 (2 saved, 0 failed)" in lines


def test_browser_errors_are_said_in_words() -> None:
    said = friendly_error("Page.goto: net::ERR_FAILED at https://example.org/\nCall log:\n  x")
    assert said.startswith("the browser could not load the page, and gave no reason")
    assert "Page.goto" not in said and "Call log" not in said
    assert friendly_error("net::ERR_EMPTY_RESPONSE at https://example.org/").startswith(
        "the server closed the connection without answering")
