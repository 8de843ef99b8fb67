"""The companion API against a real `archiver serve` (SECURITY.md §2): auth, origins, Host,
sizes, validation, idempotency, and what lands in the archive."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import ARTICLE, EXT_ORIGIN, PNG, make_token, page, request, rows  # noqa: F401


@pytest.fixture
def api(live_server: Any, db_path: Path) -> Any:
    token = make_token(db_path)
    srv = live_server()
    srv.token = token
    srv.auth = {"Authorization": f"Bearer {token}", "Origin": EXT_ORIGIN,
                "Content-Type": "application/json"}
    return srv


def test_post_capture_goes_through_the_pipeline(api: Any, db_path: Path) -> None:
    status, body, _ = request(api, "POST", "/-/archiver/api/captures",
                              page(tags=["news", "later"]), api.auth)
    assert status == 201, body
    assert body["ok"] is True and body["created"] is True
    assert body["url"] == f"{api.url}/archive/captures/{body['id']}"
    row = rows(db_path, "select source, status, title, text, html, screenshot_hash, "
                        "snapshot_hash, site from captures")[0]
    assert row[0] == "extension" and row[1] == "ok" and row[2] == "Posted page"
    assert "relative" in row[3] and row[5] and row[6] and row[7] == "example.org"
    assert 'href="https://example.org/rel"' in row[4]  # the page's URL is the base
    assert sorted(r[0] for r in rows(db_path, "select tag from page_tags")) == [
        "later", "news"]
    # and Datasette shows it
    status, shown, _ = request(api, "GET", f"/archive/captures/{body['id']}.json?_shape=objects")
    assert status == 200 and shown["rows"][0]["source"] == "extension"


def test_posted_resources_and_frames_are_stored_like_captured_ones(api: Any,
                                                                   db_path: Path) -> None:
    css = b"h1 { color: teal }"
    resources = [
        {"url": "https://example.org/site.css", "status": 200, "mime_type": "text/css",
         "body": base64.b64encode(css).decode()},
        {"url": "https://example.org/film.mp4", "skipped": "too large", "size": 90_000_000,
         "detail": "90000000 bytes"},
    ]
    frames = [{"position": 0, "parent": None, "url": "https://example.org/f.html",
               "html": "<p>framed</p>"}]
    status, body, _ = request(api, "POST", "/-/archiver/api/captures",
                              page(resources=resources, frames=frames), api.auth)
    assert status == 201, body
    kept = rows(db_path, "select url, skipped, size from resources order by id")
    assert kept == [("https://example.org/site.css", None, len(css)),
                    ("https://example.org/film.mp4", "too large", 90_000_000)]
    assert rows(db_path, "select resources_status, resources_stored, resources_skipped "
                         "from captures") == [("partial", 1, 1)]
    assert rows(db_path, "select position, url from frames") == [
        (0, "https://example.org/f.html")]


def test_same_idempotency_key_stores_once(api: Any, db_path: Path) -> None:
    first = request(api, "POST", "/-/archiver/api/captures",
                    page(idempotency_key="key-12345678"), api.auth)
    again = request(api, "POST", "/-/archiver/api/captures",
                    page(idempotency_key="key-12345678"), api.auth)
    assert first[0] == 201 and again[0] == 200
    assert again[1]["id"] == first[1]["id"] and again[1]["created"] is False
    assert rows(db_path) == [(1,)]


def test_datasette_csrf_does_not_block_the_api(api: Any, db_path: Path) -> None:
    """Datasette 0.65's CSRF middleware refuses JSON POSTs that carry a cookie, unless the
    route is exempted (plugin.skip_csrf)."""
    headers = {**api.auth, "Cookie": "ds_actor=x; ds_csrftoken=y"}
    status, body, _ = request(api, "POST", "/-/archiver/api/captures", page(), headers)
    assert status == 201, body


def test_ping(api: Any) -> None:
    status, body, _ = request(api, "GET", "/-/archiver/api/ping", headers=api.auth)
    assert status == 200 and body["ok"] is True and body["app"] == "archiver"
    assert body["version"]


def test_no_or_wrong_token_is_401_and_no_row(api: Any, db_path: Path) -> None:
    for auth, says in [(None, "Missing token"), ("Bearer wrong-token", "Wrong token"),
                       ("Basic dXNlcjpwYXNz", "Missing token"), ("Bearer ", "Missing token")]:
        headers = {k: v for k, v in api.auth.items() if k != "Authorization"}
        if auth:
            headers["Authorization"] = auth
        status, body, response_headers = request(api, "POST", "/-/archiver/api/captures",
                                                 page(), headers)
        assert status == 401 and body["ok"] is False and says in body["error"], auth
        assert response_headers["www-authenticate"] == "Bearer"
    assert rows(db_path) == [(0,)]


def test_cross_site_origin_is_refused(api: Any, db_path: Path) -> None:
    for origin in ("http://evil.example", "https://evil.example", "null"):
        status, body, _ = request(api, "POST", "/-/archiver/api/captures", page(),
                                  {**api.auth, "Origin": origin})
        assert status == 403 and "origin" in body["error"], origin
    # a cross-site HTML form: text/plain body, no token, web origin
    status, _, _ = request(api, "POST", "/-/archiver/api/captures", b"url=x",
                           {"Origin": "http://evil.example",
                            "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    assert rows(db_path) == [(0,)]


def test_foreign_host_header_is_refused(api: Any, db_path: Path) -> None:
    for host in ("attacker.example", f"attacker.example:{api.port}", "127.0.0.1:1"):
        status, body, _ = request(api, "POST", "/-/archiver/api/captures", page(),
                                  {**api.auth, "Host": host})
        assert status == 403 and "DNS rebinding" in body["error"], host
    status, _, _ = request(api, "GET", "/-/archiver/api/ping",
                           headers={**api.auth, "Host": f"localhost:{api.port}"})
    assert status == 200
    assert rows(db_path) == [(0,)]


def test_oversized_body_is_413(live_server: Any, db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server(env={"ARCHIVER_API_MAX_BODY": "100000"})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, body, _ = request(srv, "POST", "/-/archiver/api/captures",
                              page(html="<p>" + "x" * 200_000), headers)
    assert status == 413 and "limit" in body["error"]
    assert rows(db_path) == [(0,)]


def test_a_large_page_with_screenshot_fits_the_default_limit(api: Any, db_path: Path) -> None:
    big = ARTICLE.replace("</article>", "<p>" + "word " * 2_000_000 + "</p></article>")
    status, body, _ = request(api, "POST", "/-/archiver/api/captures", page(html=big), api.auth)
    assert status == 201, body


MALFORMED = [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    ({"title": "x", "html": "<p>x</p>"}, "'url' is required"),
    ({"url": "https://e.org/", "html": 5}, "'html' must be a str"),
    ({"url": "https://e.org/"}, "'html' is required"),
    ({"url": "javascript:alert(1)", "html": "x"}, "'url'"),
    ({"url": "https://e.org/", "html": "x", "tags": "a,b"}, "'tags' must be a list"),
    ({"url": "https://e.org/", "html": "x", "screenshot": "data:image/png;base64,@@"},
     "'screenshot' is not valid base64"),
    ({"url": "https://e.org/", "html": "x",
      "screenshot": base64.b64encode(b"GIF89a....").decode()}, "PNG or JPEG"),
    ({"url": "https://e.org/", "html": "x", "idempotency_key": "a b"}, "'idempotency_key'"),
    ({"url": "https://e.org/", "html": "x", "resources": "no"}, "'resources'"),
    ({"url": "https://e.org/", "html": "x", "resources": [{"url": "file:///etc/passwd"}]},
     "resources[0].url"),
    ({"url": "https://e.org/", "html": "x",
      "resources": [{"url": "https://e.org/a.css", "body": "not base64!"}]},
     "resources[0].body"),
    ({"url": "https://e.org/", "html": "x", "frames": [{"position": 3, "html": ""}]},
     "frames[0].position"),
]


def test_malformed_bodies_are_400_naming_the_problem(api: Any, db_path: Path) -> None:
    for payload, says in MALFORMED:
        status, body, _ = request(api, "POST", "/-/archiver/api/captures", payload, api.auth)
        assert status == 400 and says in body["error"], (payload, body)
    assert rows(db_path) == [(0,)]


def test_get_on_a_write_route_is_405(api: Any) -> None:
    for path in ("/-/archiver/api/captures", "/-/archiver/api/archive-link"):
        status, body, headers = request(api, "GET", path, headers=api.auth)
        assert status == 405 and headers["allow"] == "POST" and body["ok"] is False


def test_the_token_grants_nothing_else(api: Any) -> None:
    """Not a Datasette actor: no write SQL, no other tables' writes through it."""
    status, _, _ = request(api, "POST", "/archive/-/query", b"sql=delete+from+captures",
                           {**api.auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert status in (400, 403, 404, 405)
    status, body, _ = request(api, "GET", "/archive/api_tokens.json?_shape=array",
                              headers=api.auth)
    assert api.token not in json.dumps(body)  # only its hash is at rest


def test_serve_tells_where_the_token_goes(api: Any) -> None:
    assert "archiver token" in api.log.read_text()


# --- pages: what the popup shows and edits


def post_page(api: Any, url: str, tags: list[str] | None = None) -> dict[str, Any]:
    status, body, _ = request(api, "POST", "/-/archiver/api/captures",
                              page(url=url, tags=tags or []), api.auth)
    assert status == 201, body
    return body


def find(api: Any, url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    from urllib.parse import quote

    status, body, _ = request(api, "GET", f"/-/archiver/api/pages?url={quote(url, safe='')}",
                              headers=api.auth if headers is None else headers)
    return status, body


def test_post_capture_answers_its_page(api: Any, db_path: Path) -> None:
    first = post_page(api, "https://example.org/a")
    again = post_page(api, "https://Example.org/a#comments")  # the same page, a new version
    other = post_page(api, "https://example.org/b")
    assert first["page_id"] == again["page_id"] != other["page_id"]
    assert rows(db_path, "select id from pages order by id") == [
        (first["page_id"],), (other["page_id"],)]


def test_get_pages_says_whether_a_url_is_archived(api: Any) -> None:
    saved = post_page(api, "https://example.org/news/a?utm_source=feed", tags=["news"])
    post_page(api, "https://example.org/news/a")
    status, body = find(api, "https://EXAMPLE.org/news/a#top")  # normalized as stored
    assert status == 200 and body["ok"] is True and body["archived"] is True
    found = body["page"]
    assert found["id"] == saved["page_id"] and found["url"] == "https://example.org/news/a"
    assert found["versions"] == 2 and found["last_captured"]
    assert found["tags"] == ["news"] and found["note"] is None
    assert found["state"] == "unread" and found["favourite"] is False
    assert found["reader_url"].startswith(f"{api.url}/-/archiver/archive/")
    status, _, _ = request(api, "GET", found["reader_url"][len(api.url):])
    assert status == 200  # the reader view of its newest capture

    status, body = find(api, "https://example.org/never-saved")
    assert (status, body) == (200, {"ok": True, "archived": False, "page": None})


def test_get_pages_refuses_what_is_no_web_page(api: Any) -> None:
    for url, says in [("javascript:alert(1)", "Parameter 'url'"),
                      ("ftp://example.org/x", "not an http(s) URL"),
                      ("http://[::1/", "Parameter 'url'"), ("example", "absolute")]:
        status, body = find(api, url)
        assert status == 400 and body["ok"] is False and says in body["error"], (url, body)
    status, body, _ = request(api, "GET", "/-/archiver/api/pages", headers=api.auth)
    assert status == 400 and "'url' is required" in body["error"]


def test_pages_need_the_token_and_the_extension(api: Any) -> None:
    post_page(api, "https://example.org/a")
    no_token = {k: v for k, v in api.auth.items() if k != "Authorization"}
    status, body = find(api, "https://example.org/a", no_token)
    assert status == 401 and "Missing token" in body["error"] and "page" not in body
    status, body = find(api, "https://example.org/a", {**api.auth, "Origin": "https://evil.example"})
    assert status == 403 and "origin" in body["error"] and "page" not in body
    for method, headers in [("POST", no_token), ("POST", {**api.auth, "Origin": "null"}),
                            ("GET", no_token)]:
        status, body, _ = request(api, method, "/-/archiver/api/pages/1",
                                  {"tags": ["x"]} if method == "POST" else None, headers)
        assert status in (401, 403) and body["ok"] is False
    status, _, headers = request(api, "DELETE", "/-/archiver/api/pages/1", headers=api.auth)
    assert status == 405 and headers["allow"] == "GET, POST"


def test_post_pages_sets_tags_and_note(api: Any, db_path: Path) -> None:
    saved = post_page(api, "https://example.org/a", tags=["old", "keep"])
    path = f"/-/archiver/api/pages/{saved['page_id']}"
    status, body, _ = request(api, "POST", path,
                              {"tags": ["keep", " new  tag ", "", "keep"], "note": " Read it. "},
                              api.auth)
    assert status == 200, body
    assert body["page"]["tags"] == ["keep", "new tag"] and body["page"]["note"] == "Read it."
    assert rows(db_path, "select tag from page_tags order by tag") == [("keep",), ("new tag",)]
    assert rows(db_path, "select note from pages") == [("Read it.",)]

    status, body, _ = request(api, "POST", path, {"note": "Changed"}, api.auth)  # tags kept
    assert status == 200 and body["page"]["tags"] == ["keep", "new tag"]
    status, body, _ = request(api, "POST", path, {"tags": [], "note": ""}, api.auth)
    assert status == 200 and body["page"]["tags"] == [] and body["page"]["note"] is None
    assert rows(db_path, "select count(*) from page_tags") == [(0,)]
    status, body, _ = request(api, "GET", path, headers=api.auth)
    assert status == 200 and body["page"]["id"] == saved["page_id"]


def test_post_pages_unknown_page_is_404(api: Any, db_path: Path) -> None:
    for page_id in ("999", "99999999999999999999"):
        status, body, _ = request(api, "POST", f"/-/archiver/api/pages/{page_id}",
                                  {"tags": ["x"]}, api.auth)
        assert status == 404 and body["ok"] is False and "no page" in body["error"], page_id
        status, body, _ = request(api, "GET", f"/-/archiver/api/pages/{page_id}",
                                  headers=api.auth)
        assert status == 404 and "no page" in body["error"]
    assert rows(db_path, "select count(*) from page_tags") == [(0,)]


def test_post_pages_bad_field_is_400(api: Any, db_path: Path) -> None:
    saved = post_page(api, "https://example.org/a", tags=["kept"])
    path = f"/-/archiver/api/pages/{saved['page_id']}"
    for payload, says in [({"tags": "a,b"}, "'tags' must be a list"),
                          ({"tags": [1, 2]}, "'tags' must be a list"),
                          ({"tags": ["x" * 101]}, "at most 100 characters"),
                          ({"note": 5}, "'note' must be a str"),
                          ({"note": "x" * 100_001}, "'note' may have at most"),
                          ({"state": "read"}, "'state' cannot be set here"),
                          (b"[]", "must be a JSON object"), (b"{x", "not valid JSON")]:
        status, body, _ = request(api, "POST", path, payload, api.auth)
        assert status == 400 and says in body["error"], (payload, body)
    assert rows(db_path, "select tag from page_tags") == [("kept",)]
    assert rows(db_path, "select note from pages") == [(None,)]
