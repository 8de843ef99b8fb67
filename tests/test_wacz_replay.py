"""An exported WACZ replays in pywb (Webrecorder's wayback machine), a tool that is not ours:
`wb-manager` unpacks and indexes it, a local `wayback` server serves the main page and its
stylesheet as archived. pywb lives in `.venv-pywb` (made by `make setup`)."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from conftest import free_port
from warcs import CSS, archive, page_html

from archiver.cli import cli

PYWB = Path(__file__).resolve().parent.parent / ".venv-pywb" / "bin"


def wayback(folder: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
                               cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=(folder / "wayback.log").open("wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise AssertionError("wayback did not start: " + (folder / "wayback.log").read_text())


def test_pywb_indexes_and_replays_the_exported_wacz(db_path: Path, tmp_path: Path) -> None:
    assert (PYWB / "wayback").exists(), "pywb is missing: run `make setup`"
    archive(db_path)
    out = tmp_path / "out.wacz"
    CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", "wacz", "-o", str(out)])
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for args in (["init", "archive"], ["add", "--unpack-wacz", "archive", str(out)]):
        subprocess.run([str(PYWB / "wb-manager"), *args], cwd=tmp_path, env=env, check=True,
                       capture_output=True)
    port = free_port()
    server = wayback(tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}/archive"
        replayed = urllib.request.urlopen(f"{base}/20260201080000mp_/https://light.example/k1")
        assert replayed.geturl().endswith("mp_/https://light.example/keepers/1")  # the 301
        assert b"winter storm" in replayed.read()
        page = urllib.request.urlopen(f"{base}/20260201080000id_/https://light.example/keepers/1")
        assert page.read() == page_html(1)  # as archived, byte for byte
        css = urllib.request.urlopen(f"{base}/20260203080000id_/https://light.example/site.css")
        assert css.read() == CSS  # the third page's copy is a revisit record
        listed = urllib.request.urlopen(f"{base}/cdx?url=https://light.example/site.css").read()
        assert len(listed.splitlines()) == 3  # one response, two revisits, all indexed
    finally:
        server.terminate()
        server.wait(10)
