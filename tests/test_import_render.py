"""Imported crawls replay as the crawler's browser showed them (#28).

A crawl of a site whose scripts shape its pages (tests/scripted.py: accordions collapsed,
tabs, a menu and a whole app built from JSON, a video-like player in a frame from a second
origin, its thumbnail and chat widget set by the frame's own scripts) is imported with
`archiver import`: each such page is rendered once in Chromium against the archive alone.
Then the replayed page, opened in Chromium from `archiver serve`, shows what the crawl's
browser showed, and an export carries everything the frame loaded.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scripted import PAGES, SITE, VIDEO, recording
from warcio.archiveiterator import ArchiveIterator

from archiver import store
from archiver.cli import cli


def imported(db_path: Path, file: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["import", str(file), "--db", str(db_path), *args])
    assert result.exit_code == 0, result.output
    return result


def capture_ids(db_path: Path) -> dict[str, int]:
    db = store.open_db(db_path)
    return {url: capture_id for capture_id, url in db.execute(
        "SELECT id, url FROM captures").fetchall()}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return recording(tmp_path_factory.mktemp("crawl"))


def replayed(chromium: Any, server: Any, capture_id: int) -> tuple[Any, Any, list[str]]:
    """The archived page open in Chromium (context, page, every URL it requested)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server.url}/-/archiver/archive/{capture_id}/snapshot", wait_until="load")
    return context, page, requests


def test_replay_shows_what_the_scripts_showed_from_the_archive_alone(
        crawl: Path, db_path: Path, live_server: Any, chromium: Any) -> None:
    result = imported(db_path, crawl)
    assert "Rendered 9 page(s)" in result.stderr
    assert "0 request(s) for what the archive does not hold answered 404" in result.stderr
    ids = capture_ids(db_path)
    server = live_server()
    for path, (shown, hidden) in PAGES.items():
        context, page, requests = replayed(chromium, server, ids[SITE + path])
        assert page.get_by_text(shown).first.is_visible(), path
        if hidden:  # in the DOM, but hidden by the page's scripts, as in the crawl
            assert page.get_by_text(hidden).count() == 1 and not page.get_by_text(
                hidden).is_visible(), path
        elsewhere = [r for r in requests if not r.startswith(server.url + "/")]
        assert not elsewhere, elsewhere
        assert not [r for r in requests if r.endswith("/-/archiver/missing")], path
        context.close()


def test_the_frames_player_replays_with_what_its_scripts_loaded(
        crawl: Path, db_path: Path, live_server: Any, chromium: Any) -> None:
    imported(db_path, crawl)
    server = live_server()
    context, page, _ = replayed(chromium, server, capture_ids(db_path)[SITE + "/video.html"])
    frame = page.frame_locator("iframe")
    assert frame.get_by_text("Questions? Ask a librarian").is_visible()
    poster = frame.locator("#poster")
    poster.wait_for()
    assert poster.evaluate("(img) => img.complete && img.naturalWidth") == 640  # the thumbnail
    context.close()


def test_an_app_built_by_scripts_is_searchable_by_its_rendered_text(
        crawl: Path, db_path: Path) -> None:
    imported(db_path, crawl)
    hits = store.search_captures(store.open_db(db_path), "lighthouse logs")
    assert [h["id"] for h in hits] == [capture_ids(db_path)[SITE + "/app.html"]]


def test_without_rendering_the_html_is_kept_as_served(crawl: Path, db_path: Path) -> None:
    result = imported(db_path, crawl, "--render", "none")
    assert "Rendered" not in result.stderr
    db = store.open_db(db_path)
    ids = capture_ids(db_path)
    snapshot = store.capture_blob(db, ids[SITE + "/accordion.html"], "snapshot")
    assert snapshot is not None and b'class="panel closed"' not in snapshot.content
    app = store.capture_blob(db, ids[SITE + "/app.html"], "snapshot")
    assert app is not None and b"Lighthouse logs" not in app.content


def test_without_rendering_the_frames_records_are_kept_by_their_referer(
        crawl: Path, db_path: Path, tmp_path: Path) -> None:
    """What the frame's scripts loaded is tied to the page by its requests' Referer (an
    archive without page ids, as pywb records one): kept, and written back in the export."""
    imported(db_path, crawl, "--render", "none")
    db = store.open_db(db_path)
    video = capture_ids(db_path)[SITE + "/video.html"]
    urls = {row["url"] for row in store.capture_resources(db, video) if row["body_hash"]}
    assert {f"{VIDEO}/embed/config.json", f"{VIDEO}/embed/thumb.png"} <= urls
    menu = capture_ids(db_path)[SITE + "/menu.html"]
    assert f"{SITE}/menu.json?_=1772359260000" in {
        row["url"] for row in store.capture_resources(db, menu)}
    out = tmp_path / "export.wacz"
    CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", "wacz", "-o", str(out)])
    assert f"{VIDEO}/embed/thumb.png" in _records(out)["response"]


def _records(wacz: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    with zipfile.ZipFile(wacz) as package, package.open("archive/data.warc.gz") as stream:
        for record in ArchiveIterator(stream):
            url = record.rec_headers.get_header("WARC-Target-URI")
            found.setdefault(record.rec_type, set()).add(url)
    return found


def test_the_export_holds_every_record_of_the_frame_and_imports_again(
        crawl: Path, db_path: Path, tmp_path: Path) -> None:
    imported(db_path, crawl)
    out = tmp_path / "export.wacz"
    exported = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", "wacz",
                                        "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    records = _records(out)
    frame_records = {f"{VIDEO}/embed/{name}" for name in
                     ("v1.html", "player.js", "config.json", "thumb.png")}
    assert frame_records <= records["response"]
    assert f"{SITE}/api/items.json" in records["response"]
    # the menu's JSON, asked for with another cache-buster than the crawl's, is the crawl's
    assert any(url.startswith(f"{SITE}/menu.json?_=") for url in records["response"])
    again = tmp_path / "again.db"
    imported(again, out)
    db = store.open_db(again)
    video = capture_ids(again)[SITE + "/video.html"]
    urls = {row["url"] for row in store.capture_resources(db, video) if row["body_hash"]}
    assert frame_records <= urls
    assert len(store.capture_frames(db, video)) == 1


def test_the_crawls_scripts_reach_nothing_while_rendered(
        server: Any, db_path: Path, tmp_path: Path) -> None:
    """A hostile crawl: its page's scripts try every way out to a live server (fetch, an
    image, a frame, a WebSocket, a beacon, a preconnect, a form posted by script, a
    navigation). Each is answered from the archive (a 404: it holds none of them) and the
    server hears nothing; the page is rendered all the same. (Chromium would itself refuse a
    page served by interception access to loopback, so the server's silence alone would
    prove little: the count of requests answered is what shows each was caught.)"""
    from conftest import free_port
    from warcs import Response, wacz_file, warc_file

    live = server.url("/calling-home")  # the session's server: only these paths are ours
    # the page lives on loopback too (as a crawl of a local site would), so that Chromium's
    # private-network rules do not stop its requests before the route handler does
    home = f"http://127.0.0.1:{free_port()}/"
    page = f"""<!doctype html><html><head><title>Calling home</title>
<link rel="preconnect" href="{live}"><link rel="dns-prefetch" href="//calling.example">
</head><body><p id="said">Rendered here.</p>
<script>
fetch("{live}/fetch").catch(() => {{}});
new Image().src = "{live}/image.png";
const frame = document.createElement("iframe"); frame.src = "{live}/frame";
document.body.append(frame);
try {{ new WebSocket("{live.replace('http', 'ws')}/socket"); }} catch (e) {{}}
navigator.sendBeacon("{live}/beacon", "x");
fetch("https://calling.example/").catch(() => {{}});
const form = document.createElement("form"); form.method = "post";
form.action = "{live}/form"; form.target = "sink"; document.body.append(form);
const sink = document.createElement("iframe"); sink.name = "sink"; document.body.append(sink);
form.submit();
document.getElementById("said").textContent = "Rendered from the archive alone.";
</script></body></html>""".encode()
    warc = warc_file(tmp_path / "home.warc.gz", [Response(home, page)])
    path = wacz_file(tmp_path / "home.wacz", warc, [
        {"url": home, "ts": "2026-03-01T10:00:00Z", "loadState": 4}])
    result = imported(db_path, path)
    assert "Rendered 1 page(s)" in result.stderr
    # fetch x2, the image, the frame, the beacon, the form: each answered by the archive
    assert "6 request(s) for what the archive does not hold answered 404" in result.stderr
    heard = {path: n for path, n in server.hits.items() if path.startswith("/calling-home")}
    assert not heard, heard
    snapshot = store.capture_blob(store.open_db(db_path),
                                  capture_ids(db_path)[home], "snapshot")
    assert snapshot is not None and b"Rendered from the archive alone." in snapshot.content


def test_a_frame_sending_the_window_elsewhere_does_not_replace_the_page(
        db_path: Path, tmp_path: Path) -> None:
    """A frame busting out (`top.location = ...`) and the page's own late redirect to another
    archived page: the window stays on the page imported, and its DOM is what is kept."""
    from warcs import Response, wacz_file, warc_file

    site = "https://busting.example"
    page = b"""<!doctype html><title>Kept</title><p id="said">The page itself.</p>
<iframe src="https://ads.example/frame.html"></iframe>
<script>setTimeout(() => { location.href = "/other.html"; }, 50);</script>"""
    frame = b"<script>top.location = 'https://busting.example/other.html';</script>"
    other = b"<!doctype html><title>Other</title><p>Somewhere else.</p>"
    warc = warc_file(tmp_path / "bust.warc.gz", [
        Response(f"{site}/", page), Response("https://ads.example/frame.html", frame,
                                             dest="iframe"),
        Response(f"{site}/other.html", other, date="2026-03-01T10:05:00Z")])
    path = wacz_file(tmp_path / "bust.wacz", warc, [
        {"url": f"{site}/", "ts": "2026-03-01T10:00:00Z", "loadState": 4}])
    imported(db_path, path)
    snapshot = store.capture_blob(store.open_db(db_path), capture_ids(db_path)[f"{site}/"],
                                  "snapshot")
    assert snapshot is not None
    assert b"The page itself." in snapshot.content and b"Somewhere else" not in snapshot.content
