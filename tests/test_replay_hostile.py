"""An archived page that attacks the replay itself (issue #29, SECURITY.md's probe table).

Pages are stored directly (as a capture of a script-made DOM would be), then replayed by a real
`archiver serve` and written as one file by `archiver show --page` and `archiver export
--format html`, and opened in real Chromium: no request may reach the page's site, and the
page may not navigate.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FixtureServer, LiveServer

from archiver import store
from archiver.models import Capture


def foreign_style_page(site: str) -> str:
    """Markup hidden in `<style>` inside SVG and MathML, where a browser parses it as markup
    and lxml reads text; and the URL spellings the rewriter used to miss."""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Foreign</title>
<meta http-equiv="Refresh " content="0;url={site}/mark/refresh-space">
<meta http-equiv=" refresh" content="0;url={site}/mark/refresh-lead">
</head><body><p id="text">Archived text.</p>
<svg width="10" height="10"><style>
<meta http-equiv="refresh" content="0;url={site}/mark/svg-refresh">
<img src="{site}/mark/svg-img"><iframe src="{site}/mark/svg-frame"></iframe>
&#x75;rl({site}/mark/svg-charref)</style></svg>
<math><style><img src="{site}/mark/math-img"><image href="{site}/mark/math-image"/></style></math>
<svg width="10" height="10"><image href="{site}/mark/svg-image" width="5" height="5">
<set attributeName="href" to="{site}/mark/svg-set"/></image></svg>
<div style="width:10px;height:10px;
  background-image: image-set('{site}/mark/image-set.png' 1x)"></div>
<div style="width:10px;height:10px;
  background-image: -webkit-image-set(&quot;{site}/mark/webkit-set.png&quot; 1x)"></div>
<a id="link" ping="{site}/mark/ping" href="{site}/mark/followed">a link</a>
<form><button id="button" formaction="{site}/mark/formaction">send</button></form>
</body></html>"""


CONTROL_PAGE = """<!doctype html><html><head><title>Control</title></head><body>
<a id="js" href="&#1;javascript:alert(1)">one</a>
<a id="tab" href="java&#9;script:alert(2)">two</a>
<a id="mid" href="https://example.org/a&#1;b">three</a>
<img src="&#1;https://example.org/i.png" style="color: red&#1;">
<style>p { color: blue } /* &#1; */</style><p>Text.</p></body></html>"""


@pytest.fixture(scope="module")
def archive(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[dict[str, Any]]:
    db_path = tmp_path_factory.mktemp("replay-hostile") / "archive.db"
    db = store.open_db(db_path)
    site = server.url("").rstrip("/")
    ids = {}
    for name, html in (("foreign", foreign_style_page(site)), ("control", CONTROL_PAGE),
                       ("plain", "<!doctype html><title>Plain</title><p>Plain page.</p>")):
        ids[name] = store.save_capture(db, Capture(
            url=f"{site}/hostile-replay/{name}.html", content_type="text/html", html=html,
            title=name, captured_at="2026-01-01T00:00:00Z"), None)
    db.close()
    live = LiveServer(db_path)
    yield {"db_path": db_path, "live": live, "ids": ids, "site": site}
    live.stop()


def _hits(server: FixtureServer) -> list[str]:
    return [path for path in server.hits if path.startswith("/mark/")]


def _open(chromium: Any, url: str) -> tuple[str, list[str], Any]:
    """The URL the page ends on, the requests it made, and the page (its context open)."""
    context = chromium.new_context()
    page = context.new_page()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(1500)  # a refresh, a late image
    return page.url, requests, page


def _single_file(archive: dict[str, Any], name: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archiver", "show", str(archive["ids"][name]), "--db",
         str(archive["db_path"]), "--page", str(out)], capture_output=True, text=True,
        timeout=60)


def test_markup_in_a_foreign_style_loads_nothing_in_the_served_replay(
        archive: dict[str, Any], server: FixtureServer, chromium: Any) -> None:
    live: LiveServer = archive["live"]
    before = _hits(server)
    url = f"{live.url}/-/archiver/archive/{archive['ids']['foreign']}/snapshot"
    final, requests, page = _open(chromium, url)
    assert final == url
    assert page.locator("#text").inner_text() == "Archived text."
    assert page.get_attribute("#link", "ping") is None
    assert page.get_attribute("#button", "formaction") is None
    page.context.close()
    assert [r for r in requests if not r.startswith(live.url + "/")] == []
    assert _hits(server) == before


def test_markup_in_a_foreign_style_loads_nothing_in_the_single_file(
        archive: dict[str, Any], server: FixtureServer, chromium: Any, tmp_path: Path) -> None:
    out = tmp_path / "foreign.html"
    result = _single_file(archive, "foreign", out)
    assert result.returncode == 0, result.stderr
    assert "\\3c meta http-equiv" in out.read_text()  # the markup stays, as CSS text
    before = _hits(server)
    final, requests, page = _open(chromium, out.as_uri())
    assert final == out.as_uri()
    page.context.close()
    assert [r for r in requests if not r.startswith(("file:", "data:", "about:"))] == []
    assert _hits(server) == before


def test_a_control_character_in_a_link_is_no_500(archive: dict[str, Any]) -> None:
    live: LiveServer = archive["live"]
    url = f"{live.url}/-/archiver/archive/{archive['ids']['control']}/snapshot"
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200
        page = answer.read().decode()
    assert "javascript:" not in page.lower()
    assert 'href="https://example.org/a%01b"' in page


def test_a_control_character_in_a_link_breaks_no_single_file_nor_export(
        archive: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "control.html"
    result = _single_file(archive, "control", out)
    assert result.returncode == 0, result.stderr
    assert "javascript:" not in out.read_text().lower()
    exported = tmp_path / "export"
    result = subprocess.run(
        [sys.executable, "-m", "archiver", "export", "--db", str(archive["db_path"]),
         "--format", "html", "-o", str(exported)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    pages = sorted(p.name for p in (exported / "captures").glob("*.page.html"))
    assert len(pages) == 3, pages


CSS_SCRIPT = """
import sys
from archiver.replay.rewrite import rewrite_css
from archiver.warc.refs import css_refs
size = 200_000
for unit in ("url(", "url(\\"", "url('", "@import '", "image-set(\\"", "url(a "):
    css = "a{background:url(x.png)}" + unit * (size // len(unit))
    out = rewrite_css(css, "https://site.test/", lambda u, k: "/r?" + u)
    assert out.startswith('a{background:url("/r?https://site.test/x.png")}'), out[:80]
    refs = css_refs(css, "https://site.test/")
    assert refs[0] == "https://site.test/x.png", refs[:3]
print("done")
"""


def test_a_stylesheet_of_repeated_url_openings_is_rewritten_in_linear_time() -> None:
    """200 KB of `url(` took minutes with the old regexes (holding the GIL); a subprocess
    with a timeout keeps a regression from hanging the suite."""
    result = subprocess.run([sys.executable, "-c", CSS_SCRIPT], capture_output=True,
                            text=True, timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


def test_a_stylesheet_over_the_cap_is_left_out_with_a_reason() -> None:
    from archiver.replay.css import MAX_CSS_CHARS
    from archiver.replay.rewrite import rewrite_css

    css = "a{}" * (MAX_CSS_CHARS // 3 + 1)
    out = rewrite_css(css, "https://site.test/", lambda u, k: u)
    assert out.startswith("/* archiver:") and "left out" in out and len(out) < 200


def test_css_urls_in_every_spelling_are_rewritten() -> None:
    from archiver.replay.rewrite import rewrite_css

    css = ("a{b:url(one.png)} @import 'two.css'; @import url(three.css);"
           "c{d:image-set('four.png' 1x, url(five.png) 2x)} e{f:-webkit-image-set(\"six.png\" 1x)}"
           "g{h:u\\72l(seven.png)} i{j:URL( 'eight.png' )} /* url(comment.png) */"
           "k{content:'url(string.png)'} l{m:url(data:image/png;base64,AA==)} n{o:url(#p)}")
    out = rewrite_css(css, "https://s.test/", lambda u, k: f"/r/{k}/{u.rsplit('/', 1)[1]}")
    for name, kind in (("one.png", "image"), ("two.css", "stylesheet"),
                       ("three.css", "stylesheet"), ("four.png", "image"),
                       ("five.png", "image"), ("six.png", "image"), ("seven.png", "image"),
                       ("eight.png", "image")):
        assert f'"/r/{kind}/{name}"' in out, (name, out)
    for kept in ("url(comment.png)", "'url(string.png)'", "url(data:image/png;base64,AA==)",
                 "url(#p)"):
        assert kept in out, (kept, out)
