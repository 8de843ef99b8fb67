"""The guard against private addresses, for captures asked for over the network
(`CaptureSettings.block_private`).

Playwright's route handler sees the first request of every frame, but not the redirect hops
that Chromium follows itself; a CDP `Fetch` interceptor on the page sees every hop. Both check
each URL's host. Site isolation is switched off for guarded captures (see `launch_args`) so that
cross-site iframes stay in the page's process, where the page's CDP session sees their requests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from archiver.capture.quietly import abort_quietly
from archiver.capture.record import PageLog

CGNAT = ipaddress.ip_network("100.64.0.0/10")


LOCAL_SCHEMES = ("data", "blob", "about")


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches (mapped, 6to4, Teredo's client,
    the NAT64 well-known prefix): its IPv4 side decides whether it is public."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(address: str) -> str | None:
    """Why an IP address must not be reached by a guarded capture, or None if it is public.

    The standard library's `is_global` decides, after unwrapping an IPv4 address carried in
    an IPv6 one (`2002:7f00:1::` is 6to4 for 127.0.0.1); deprecated site-local IPv6
    (`fec0::/10`) counts as private."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return "a private (site-local) address"
        ip = _embedded_ipv4(ip) or ip
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if ip in CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "not a routable unicast address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (what the browser will connect to)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass
class Refused:
    """Why a host may not be reached: one of its addresses is not public, or its name does
    not resolve (`address` None)."""

    address: str | None
    reason: str  # "a loopback address", "could not be resolved (...)", "has no address"

    def said(self, name: str, joiner: str = " is ", host: str | None = None) -> str:
        """`name` (with the refused address, unless the host, `name` by default, is that
        address) and the reason."""
        if self.address is None:
            return f"{name} {self.reason}"
        shown = name if (host or name) == self.address else f"{name} ({self.address})"
        return f"{shown}{joiner}{self.reason}"


async def public_addresses(host: str, port: int) -> list[str] | Refused:
    """Every address `host` stands for (an IP literal: itself; else what it resolves to),
    when all of them are public; else why not. The one check behind the route handler, the
    relay and webhooks."""
    try:
        addresses = [str(ipaddress.ip_address(host.strip("[]").split("%")[0]))]
    except ValueError:
        try:
            addresses = await resolve_host(host, port)
        except (OSError, UnicodeError) as exc:
            return Refused(None, f"could not be resolved ({exc})")
    if not addresses:
        return Refused(None, "has no address")
    for address in addresses:
        problem = address_problem(address)
        if problem:
            return Refused(address, problem)
    return addresses


async def blocked_reason(url: str) -> str | None:
    """Why a guarded capture must not request `url`, or None when it may."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in LOCAL_SCHEMES:
        return None
    if scheme not in ("http", "https", "ws", "wss"):
        return f"blocked: {scheme}: URLs are not fetched"
    host = (parts.hostname or "").rstrip(".")
    found = await public_addresses(host, parts.port or 443)
    return "blocked: " + found.said(host) if isinstance(found, Refused) else None


async def block_if_private(route: Route, log: PageLog, is_main: bool) -> bool:
    reason = await blocked_reason(route.request.url)
    if reason is None:
        return False
    log.blocked.append(reason)
    if is_main:
        log.document_errors[route.request.url] = reason
    await abort_quietly(route, "blockedbyclient")
    return True


WEBRTC_BINDING = "__archiverWebRTC"
MAX_WEBRTC_REPORTS = 5
# What a guarded page asks of WebRTC, so that the capture can say what it was not given (the
# browser lets WebRTC out only through the guard's relay, so never over UDP). Reporting only:
# a page that gets around this wrapper is still held by the browser's policy and the relay.
WATCH_WEBRTC_JS = """(() => {
  const Original = globalThis.RTCPeerConnection;
  if (typeof Original !== "function") return;
  function RTCPeerConnection(config, ...rest) {
    try {
      const servers = (config && Array.isArray(config.iceServers)) ? config.iceServers : [];
      const urls = servers.flatMap((s) => [].concat((s && (s.urls || s.url)) || []));
      globalThis.WEBRTC_BINDING(urls.slice(0, 10).map((u) => String(u).slice(0, 200)));
    } catch (e) { /* reporting only */ }
    return new Original(config, ...rest);
  }
  RTCPeerConnection.prototype = Original.prototype;
  Object.setPrototypeOf(RTCPeerConnection, Original);
  globalThis.RTCPeerConnection = RTCPeerConnection;
})();""".replace("WEBRTC_BINDING", WEBRTC_BINDING)


async def watch_webrtc(context: BrowserContext, log: PageLog) -> None:
    """Record on the capture each RTCPeerConnection the page makes, with its ICE servers."""
    reports = 0

    def report(source: Any, urls: Any) -> None:
        nonlocal reports
        reports += 1
        if reports > MAX_WEBRTC_REPORTS:
            return
        servers = [u for u in urls if isinstance(u, str)] if isinstance(urls, list) else []
        log.connection_blocked("blocked: WebRTC over UDP (a peer connection"
                               + (f" to {', '.join(servers)}" if servers else "") + ")")

    await context.expose_binding(WEBRTC_BINDING, report)
    await context.add_init_script(script=WATCH_WEBRTC_JS)


async def guard_private_addresses(context: BrowserContext, page: Page, log: PageLog) -> None:
    """Fail every request (each redirect hop included) to a non-public address."""
    cdp = await context.new_cdp_session(page)

    async def paused(event: dict[str, Any]) -> None:
        reason = await blocked_reason(event["request"]["url"])
        try:
            if reason is None:
                await cdp.send("Fetch.continueRequest", {"requestId": event["requestId"]})
                return
            log.blocked.append(reason)
            await cdp.send("Fetch.failRequest", {"requestId": event["requestId"],
                                                 "errorReason": "BlockedByClient"})
        except PlaywrightError:
            pass  # the page or the request went away meanwhile

    cdp.on("Fetch.requestPaused", paused)
    await cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
