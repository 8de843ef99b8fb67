"""Reliability: a run killed with SIGKILL leaves a sound archive, no Chromium behind, and
resumes; several writers (two `archiver save` processes and the API of a running
`archiver serve`) share one archive without "database is locked" or lost rows."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from conftest import FixtureServer, Reply

FAST = ["--timeout", "10", "--request-timeout", "2", "--page-deadline", "30",
        "--no-consent-handling", "--no-progress"]
EXT_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def article(title: str, paragraphs: int = 6) -> str:
    body = "".join(f"<p>{title}: paragraph {n} says something about lighthouses, tides and the "
                   "keepers who wrote the logbooks, in enough words to be an article.</p>"
                   for n in range(paragraphs))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>{body}</article></body></html>")


def add_pages(server: FixtureServer, prefix: str, count: int, delay: float = 0.0) -> list[str]:
    return [server.add(f"/{prefix}/{n}.html", Reply(body=article(f"{prefix} {n}").encode(),
                                                    delay=delay))
            for n in range(count)]


def save_command(db_path: Path, url_file: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "archiver", "save", "--db", str(db_path),
            "--from-file", str(url_file), *FAST, *extra]


def url_file(tmp_path: Path, name: str, urls: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(urls) + "\n")
    return path


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def captured(db_path: Path) -> int:
    try:
        return int(query(db_path, "select count(*) from captures")[0][0])
    except sqlite3.OperationalError:
        return 0  # not created (or not migrated) yet


def integrity(db_path: Path) -> str:
    return str(query(db_path, "pragma integrity_check")[0][0])


def process_tree(root: int) -> dict[int, str]:
    """pid -> name of every living descendant of `root` (from /proc), zombies excluded."""
    parents: dict[int, tuple[int, str, str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1: stat.rindex(")")], stat[stat.rindex(")") + 2:]
            state, ppid_text = rest.split()[:2]
            parents[int(entry)] = (int(ppid_text), name, state)
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, name, state) in parents.items():
            if ppid == parent and pid not in found:
                todo.append(pid)
                if state != "Z":
                    found[pid] = name
    return found


def alive(pids: dict[int, str]) -> dict[int, str]:
    still = {}
    for pid, name in pids.items():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            still[pid] = name
    return still


def wait_for(condition: Any, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def test_sigkill_mid_run_leaves_a_sound_archive_and_the_rerun_completes(
        server: FixtureServer, db_path: Path, tmp_path: Path) -> None:
    urls = add_pages(server, "killed", 10, delay=0.4)
    urls_path = url_file(tmp_path, "urls.txt", urls)
    proc = subprocess.Popen(save_command(db_path, urls_path, "--concurrency", "2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    children: dict[int, str] = {}
    try:
        assert wait_for(lambda: captured(db_path) >= 3, 45), "no captures stored in time"
        children = process_tree(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        done = captured(db_path)
        assert 3 <= done < len(urls), "the run should have been killed mid-way"
        assert integrity(db_path) == "ok"
        assert any("chrom" in name for name in children.values()), children
        wait_for(lambda: not alive(children), 5)
        assert not alive(children), f"left running after SIGKILL: {alive(children)}"
    finally:
        for pid in alive(children):  # the killed run's own leftovers, if any
            os.kill(pid, signal.SIGKILL)

    rerun = subprocess.run(save_command(db_path, urls_path, "--concurrency", "2"),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done} skipped as already archived" in rerun.stderr
    assert len(rerun.stdout.splitlines()) == len(urls) - done
    assert query(db_path, "select count(*), count(distinct url) from captures") == [
        (len(urls), len(urls))]
    assert integrity(db_path) == "ok"


def make_token(db_path: Path) -> str:
    out = subprocess.run([sys.executable, "-m", "archiver", "token", "--db", str(db_path)],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def post_captures(port: int, token: str, count: int, answers: list[tuple[int, str]]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Origin": EXT_ORIGIN,
               "Content-Type": "application/json"}
    for n in range(count):
        body = {"url": f"https://example.org/posted/{n}", "title": f"Posted {n}",
                "html": article(f"Posted {n}")}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/-/archiver/api/captures", body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        answers.append((response.status, response.read().decode("utf-8", "replace")))
        conn.close()


def test_save_processes_and_the_api_write_one_archive_together(
        server: FixtureServer, db_path: Path, tmp_path: Path, live_server: Any) -> None:
    token = make_token(db_path)
    srv = live_server()
    lists = [url_file(tmp_path, f"list{k}.txt", add_pages(server, f"writer{k}", 6))
             for k in range(2)]
    answers: list[tuple[int, str]] = []
    poster = threading.Thread(target=post_captures, args=(srv.port, token, 30, answers))
    savers = [subprocess.Popen(save_command(db_path, path, "--concurrency", "2"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for path in lists]
    poster.start()
    outputs = [proc.communicate(timeout=120) for proc in savers]
    poster.join(120)

    for proc, (stdout, stderr) in zip(savers, outputs, strict=True):
        assert proc.returncode == 0, stderr
        assert "locked" not in stderr and len(stdout.splitlines()) == 6
    assert [status for status, _ in answers] == [201] * 30, answers
    assert not any("locked" in text for _, text in answers)
    assert "database is locked" not in srv.log.read_text()
    assert query(db_path, "select source, count(*) from captures group by source "
                          "order by source") == [("cli", 12), ("extension", 30)]
    assert query(db_path, "select count(distinct url) from captures") == [(42,)]
    assert integrity(db_path) == "ok"
