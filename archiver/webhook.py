"""Webhooks: a JSON POST to a URL the user chose, for each change a watch finds.

The target is checked by the same rules as captures asked for over the network
(`capture.guard`: no loopback, private, link-local or metadata addresses) unless private
targets are allowed: its name is resolved once, every address checked, and the POST goes to a
checked address (with the name in `Host` and TLS's SNI), so a DNS answer that changes after
the check (rebinding) cannot redirect it; redirects are not followed either.
Failures are retried with backoff; every delivery is recorded in `webhook_deliveries`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from archiver import __version__
from archiver.capture.guard import Refused, public_addresses
from archiver.models import now_iso

ATTEMPTS = 4
FIRST_DELAY = 1.0  # seconds before the second attempt; doubles each time
TIMEOUT = 10.0


@dataclass
class Delivery:
    url: str
    attempts: int
    delivered: bool
    http_status: int | None = None
    error: str | None = None

    def row(self, check_id: int) -> dict[str, Any]:
        return {"check_id": check_id, "url": self.url, "attempts": self.attempts,
                "delivered": int(self.delivered), "http_status": self.http_status,
                "error": self.error, "sent_at": now_iso()}


def payload(result: Any, watch: dict[str, Any]) -> dict[str, Any]:
    """What a webhook receives for one change (a `watch.CheckResult`)."""
    return {"event": result.outcome, "app": "archiver", "version": __version__,
            "watch": {"id": watch["id"], "url": watch["url"], "tag": watch["tag"],
                      "selector": watch["selector"]},
            "check_id": result.check_id, "checked_at": result.checked_at,
            "capture_id": result.capture_id, "previous_capture_id": result.previous_capture_id,
            "words_added": result.words_added, "words_removed": result.words_removed,
            "diff": [{"kind": kind, "text": text} for kind, text in result.diff],
            "error": result.error}


async def deliver(url: str, body: dict[str, Any], *, allow_private: bool = False,
                  attempts: int = ATTEMPTS, first_delay: float = FIRST_DELAY) -> Delivery:
    """POST `body` as JSON to `url`, again after network errors, 5xx and 429."""
    target = Target(url)
    if not allow_private:
        pinned = await pinned_target(url)
        if isinstance(pinned, str):
            return Delivery(url, 0, False, error=f"webhook blocked: {pinned} (allow private "
                                                  "targets to send it there)")
        target = pinned
    outcome = Delivery(url, 0, False)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        for attempt in range(max(1, attempts)):
            if attempt:
                await asyncio.sleep(first_delay * 2 ** (attempt - 1))
            outcome = await _post(client, url, target, body, attempt + 1)
            if outcome.delivered or not _worth_retrying(outcome):
                break
    return outcome


@dataclass
class Target:
    """Where a POST connects: the URL (its host maybe replaced by a checked address), the
    `Host` header and the TLS server name that go with it."""

    url: str
    host_header: str | None = None
    sni: str | None = None


async def pinned_target(url: str) -> Target | str:
    """`url` with its host name replaced by an address that passed the guard, or why none
    may be used (a non-public address, a name that does not resolve)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    default_port = 443 if parts.scheme.lower() == "https" else 80
    found = await public_addresses(host, parts.port or default_port)
    return found.said(host) if isinstance(found, Refused) else pin(url, found[0])


def pin(url: str, address: str) -> Target:
    """`url` sent to `address`, its host name kept in `Host` and (https) the TLS server name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if address == host:
        return Target(url)  # an address already
    netloc = f"[{address}]" if ":" in address else address
    if parts.port:
        netloc += f":{parts.port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    https = parts.scheme.lower() == "https"
    return Target(pinned, parts.netloc.rpartition("@")[2], host if https else None)


async def _post(client: httpx.AsyncClient, url: str, target: Target, body: dict[str, Any],
                attempt: int) -> Delivery:
    headers = {"User-Agent": f"archiver/{__version__} (webhook)"}
    if target.host_header:
        headers["Host"] = target.host_header
    extensions = {"sni_hostname": target.sni} if target.sni else None
    try:
        response = await client.post(target.url, json=body, headers=headers,
                                     extensions=extensions)
    except httpx.HTTPError as exc:
        return Delivery(url, attempt, False, error=f"{type(exc).__name__}: {exc}"[:500])
    ok = 200 <= response.status_code < 300
    error = None if ok else f"the target answered HTTP {response.status_code}"
    return Delivery(url, attempt, ok, response.status_code, error)


def _worth_retrying(outcome: Delivery) -> bool:
    status = outcome.http_status
    return status is None or status >= 500 or status == 429


def targets(watch: dict[str, Any], global_urls: Sequence[str]) -> list[str]:
    """The watch's own webhook and the global ones, each once."""
    return list(dict.fromkeys([*([watch["webhook"]] if watch["webhook"] else []),
                               *global_urls]))


def notifier(runner: Any, global_urls: Sequence[str] = (), allow_private: bool = False,
             first_delay: float = FIRST_DELAY) -> Any:
    """`notify` for `watch.run_due`: deliver each change to its webhooks, record each
    delivery (in the runner's writer thread)."""
    from archiver import store

    async def notify(result: Any, watch: dict[str, Any]) -> None:
        for url in targets(watch, global_urls):
            sent = await deliver(url, payload(result, watch), allow_private=allow_private,
                                 first_delay=first_delay)
            if result.check_id is not None:
                await runner.in_writer(store.record_delivery, sent.row(result.check_id))

    return notify
