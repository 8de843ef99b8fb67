"""The archive in a real Datasette (in-process client), with the project's plugin loaded."""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from archiver import store
from archiver.models import Article, Capture, ConsentOutcome

PNG = zlib.decompress(zlib.compress(b"\x89PNG\r\n\x1a\n" + b"\0" * 64))
HOSTILE = "<html><body><script>alert(1)</script><p>Archived text</p></body></html>"


@pytest.fixture
def archive(db_path: Path) -> Path:
    db = store.open_db(db_path)
    for n, (title, text, lang) in enumerate([
        ("Moskau und Ankara", "Moskau und Ankara wollen in Syrien kooperieren.", "de"),
        ("Lighthouse keepers", "The keepers of Skerryvore kept the light burning.", "en"),
    ]):
        capture = Capture(url=f"https://site{n}.example/article", final_url=None, http_status=200,
                          content_type="text/html", html=HOSTILE, screenshot=PNG, title=title,
                          captured_at=f"2026-01-0{n + 1}T00:00:00.000Z",
                          consent=ConsentOutcome(cmp="Onetrust", action="opted out"))
        article = Article(title=title, text=text, lang=lang, word_count=len(text.split()),
                          html=f"<p>{text}</p>")
        store.save_capture(db, capture, article)
    db.close()
    return db_path


def fetch(path: Path, url: str) -> Any:
    async def go() -> Any:
        ds = Datasette([str(path)])
        await ds.invoke_startup()
        return await ds.client.get(url)

    return asyncio.run(go())


def test_captures_table_newest_first_with_facets(archive: Path) -> None:
    response = fetch(archive, "/archive/captures.json?_shape=objects&_facet=lang")
    assert response.status_code == 200
    data = response.json()
    assert [r["title"] for r in data["rows"]] == ["Lighthouse keepers", "Moskau und Ankara"]
    assert data["rows"][0]["consent_action"] == "opted out"
    langs = {f["value"]: f["count"] for f in data["facet_results"]["lang"]["results"]}
    assert langs == {"de": 1, "en": 1}
    html = fetch(archive, "/archive/captures").text
    assert "One row per capture" in html  # table description from the plugin's metadata
    assert 'href="https://site1.example/article"' in html  # URLs are links
    assert "/-/archiver/archive/2/screenshot" in html  # blobs link to their content


def test_full_text_search_in_the_table_and_the_canned_query(archive: Path) -> None:
    data = fetch(archive, "/archive/captures.json?_search=ankara&_shape=objects").json()
    assert [r["title"] for r in data["rows"]] == ["Moskau und Ankara"]
    query = fetch(archive, "/archive/search.json?q=skerryvore&_shape=objects").json()
    assert [r["title"] for r in query["rows"]] == ["Lighthouse keepers"]
    assert "<<Skerryvore>>" in query["rows"][0]["snippet"]


def test_row_page_and_canned_queries(archive: Path) -> None:
    row = fetch(archive, "/archive/captures/1")
    assert row.status_code == 200 and "Moskau und Ankara" in row.text
    for name in ("recent", "failures", "history"):
        assert fetch(archive, f"/archive/{name}").status_code == 200


def test_blobs_are_served_sandboxed(archive: Path) -> None:
    shot = fetch(archive, "/-/archiver/archive/1/screenshot")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
    assert shot.content == PNG
    snap = fetch(archive, "/-/archiver/archive/1/snapshot")
    assert snap.status_code == 200 and "<p>Archived text</p>" in snap.text
    assert "<script" not in snap.text  # replayed without the page's scripts
    assert snap.headers["content-security-policy"].startswith("sandbox;")
    assert "allow-scripts" not in snap.headers["content-security-policy"]
    assert snap.headers["x-content-type-options"] == "nosniff"
    assert fetch(archive, "/-/archiver/archive/1/body").status_code == 404
    assert fetch(archive, "/-/archiver/archive/99/snapshot").status_code == 404
