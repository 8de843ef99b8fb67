"""SECURITY.md §3: a capture requested over the network never reaches a private address.

The guard (`CaptureSettings(block_private=True)`) checks the first URL and every subresource
in Playwright's route handler and every redirect hop in a CDP `Fetch.requestPaused` handler.

Offline, every server the tests can run is on 127.0.0.1, so a "public" first hop is simulated:
the guard's resolver is told that the name `localhost` is a public address, while the browser
still connects to 127.0.0.1. Redirects and subresources then point at the literal 127.0.0.1,
which the guard must refuse. Not tested here (cannot be, offline): a real public site that
redirects to a private one, DNS answers that change between the guard's look-up and the
browser's (rebinding), IPv6-only private networks.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import Reply
from helpers import EXT_ORIGIN, guarded_capture, make_token

from archiver.capture import Browser, CaptureSettings, address_problem, blocked_reason


@pytest.mark.parametrize("address, problem", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("100.64.0.1", "CGNAT"),
    ("fd00:ec2::254", "private"), ("0.0.0.0", "not a routable"), ("::", "not a routable"),
    ("::ffff:127.0.0.1", "loopback"), ("224.0.0.1", "not a routable"),
    ("93.184.216.34", None), ("2606:4700::1111", None),
    # IPv4 inside IPv6: 6to4 of loopback and of a private net, Teredo's client, NAT64
    ("2002:7f00:1::1", "loopback"), ("2002:c0a8:101::1", "private"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"), ("64:ff9b::7f00:1", "loopback"),
    ("64:ff9b::a01:203", "private"), ("fec0::1", "site-local"),
    ("2002:5db8:d822::1", None), ("64:ff9b::5db8:d822", None),
])
def test_address_problem(address: str, problem: str | None) -> None:
    found = address_problem(address)
    assert (found is None) if problem is None else (problem in (found or "")), found


@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1:8001/-/archiver/api/ping", "blocked: 127.0.0.1 is a loopback address"),
    ("http://localhost/", "blocked: localhost (127.0.0.1) is a loopback address"),
    ("http://[::1]:80/", "blocked: ::1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://10.0.0.8/admin", "private"),
    ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one number
    ("file:///etc/passwd", "file: URLs are not fetched"),
    ("data:text/plain,hello", None),
])
def test_blocked_reason(url: str, says: str | None) -> None:
    reason = asyncio.run(blocked_reason(url))
    assert (reason is None) if says is None else (says in (reason or "")), reason




def redirect(to: str) -> Reply:
    return Reply(status=302, headers={"Location": to}, body=b"")


def test_guarded_capture_of_a_loopback_url_makes_no_request(server: Any) -> None:
    url = server.add_page("/ssrf/direct", "<p>internal</p>")
    result = guarded_capture(url)
    assert result.status == "failed"
    assert result.error == "blocked: 127.0.0.1 is a loopback address"
    assert server.hits["/ssrf/direct"] == 0


def test_redirect_hops_to_loopback_are_blocked(server: Any, localhost_is_public: None) -> None:
    server.add_page("/ssrf/secret", "<p>secret</p>")
    secret = server.url("/ssrf/secret")
    server.add("/ssrf/hop1", redirect(f"http://localhost:{server.port}/ssrf/hop2"))
    server.add("/ssrf/hop2", redirect(secret))
    server.add("/ssrf/one-hop", redirect(secret))
    for start in ("/ssrf/one-hop", "/ssrf/hop1"):
        result = guarded_capture(f"http://localhost:{server.port}{start}")
        assert result.status == "failed", start
        assert "blocked: 127.0.0.1 is a loopback address" in (result.error or ""), result.error
        assert server.hits[start] == 1
    assert server.hits["/ssrf/hop2"] == 1
    assert server.hits["/ssrf/secret"] == 0


def test_subresources_on_private_addresses_are_blocked(server: Any,
                                                       localhost_is_public: None) -> None:
    internal = server.url("/ssrf/internal")
    server.add_page("/ssrf/internal", "<p>internal</p>")
    server.add("/ssrf/img-redirect", redirect(internal + "?via=redirect"))
    page = f"""<!DOCTYPE html><title>Outside</title><h1>Outside page</h1>
        <img src="{internal}?img"><iframe src="{internal}?frame"></iframe>
        <img src="/ssrf/img-redirect">
        <script>fetch("{internal}?fetch").catch(() => {{}});</script>"""
    server.add_page("/ssrf/outside", page)
    result = guarded_capture(f"http://localhost:{server.port}/ssrf/outside")
    assert result.status == "partial", result.error
    assert "not made" in (result.error or "") and "127.0.0.1 is a loopback" in result.error
    assert "Outside page" in (result.html or "")
    assert server.hits["/ssrf/img-redirect"] == 1
    assert server.hits["/ssrf/internal"] == 0


def test_unguarded_capture_still_reaches_localhost(server: Any) -> None:
    """The CLI's default: the user may archive their own machine."""
    url = server.add_page("/ssrf/cli-ok", "<title>Local</title><p>local page</p>")

    async def run() -> Any:
        settings = CaptureSettings(screenshot=False, consent_handling=False)
        async with Browser(settings) as browser:
            return await browser.capture(url)

    assert asyncio.run(run()).status == "ok"
    assert server.hits["/ssrf/cli-ok"] == 1


# --- through the API of a real `archiver serve`


def post_link(srv: Any, token: str, url: str) -> dict[str, Any]:
    req = urllib.request.Request(
        srv.url + "/-/archiver/api/archive-link", data=json.dumps({"url": url}).encode(),
        headers={"Authorization": f"Bearer {token}", "Origin": EXT_ORIGIN,
                 "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 202
        return dict(json.load(response))


def wait_for_job(srv: Any, token: str, status_url: str, timeout: float = 40) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        req = urllib.request.Request(status_url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=10) as response:
            job = dict(json.load(response)["job"])
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {job}")


def test_archive_link_to_loopback_is_refused_by_default(server: Any, live_server: Any,
                                                        db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server()
    server.add("/ssrf/api-redirect", redirect(server.url("/ssrf/api-target")))
    for path in ("/ssrf/api-target", "/ssrf/api-redirect"):
        answer = post_link(srv, token, server.url(path))
        assert answer["status"] in ("queued", "running")  # 202 either way
        job = wait_for_job(srv, token, answer["status_url"])
        assert job["status"] == "failed"
        assert job["error"] == "blocked: 127.0.0.1 is a loopback address"
    assert server.hits["/ssrf/api-target"] == 0 and server.hits["/ssrf/api-redirect"] == 0


def test_archive_link_with_private_targets_allowed(server: Any, live_server: Any,
                                                   db_path: Path) -> None:
    token = make_token(db_path)
    srv = live_server("--allow-private-targets")
    url = server.add_page("/ssrf/allowed", "<title>Allowed</title><article><h1>Allowed</h1>"
                                           "<p>A local page the server may capture.</p></article>")
    job = wait_for_job(srv, token, post_link(srv, token, url)["status_url"])
    assert job["status"] == "done" and job["capture_id"], job
    assert job["capture_url"].endswith(f"/captures/{job['capture_id']}")
    assert server.hits["/ssrf/allowed"] == 1


def test_archive_link_goes_through_the_pipeline_with_retries(server: Any, live_server: Any,
                                                              db_path: Path) -> None:
    """A link sent by the extension is captured by the same Runner as `archiver save`: a 503
    is tried again (the server runs with retries), and the capture is stored from the extension."""
    answers = iter([Reply(status=503, body=b"busy"),
                    Reply(body=b"<title>Second try</title><article><p>Worth the wait, this "
                               b"page answers the second time it is asked.</p></article>")])
    url = server.add("/ssrf/flaky", lambda _h: next(answers))
    token = make_token(db_path)
    srv = live_server("--allow-private-targets")
    job = wait_for_job(srv, token, post_link(srv, token, url)["status_url"], timeout=60)
    assert job["status"] == "done", job
    assert server.hits["/ssrf/flaky"] == 2
    row = sqlite3.connect(db_path).execute(
        "select status, http_status, source, title from captures where id = ?",
        [job["capture_id"]]).fetchone()
    assert row == ("ok", 200, "extension", "Second try")
