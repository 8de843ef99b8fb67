"""What the route handler saw while one page loaded: documents, failures, and every response
the page used (its resources), whose bodies are read once the page is done."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from playwright.async_api import APIResponse, Request
from playwright.async_api import Error as PlaywrightError

from archiver.models import Resource, now_iso


@dataclass
class _Seen:
    resource: Resource
    response: APIResponse | None = None  # its body is read when the page is done (or before)
    read: bool = False


class PageLog:
    """What the route handler saw while one page loaded."""

    def __init__(self) -> None:
        self.documents: dict[str, APIResponse] = {}  # main documents, body read when needed
        self.document_errors: dict[str, str] = {}
        self.timed_out: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []  # reasons, with block_private
        self.connections_blocked: list[str] = []  # by the guard's relay (WebSocket, WebRTC ...)
        self.unfinished: list[str] = []  # images and media still loading when it was stopped
        self.screenshot_problem: str | None = None
        self.seen: list[_Seen] = []
        self.scripts = 0  # script requests the page made
        self.cmp_requests: list[str] = []  # of them, and of frames and XHR: consent platforms'

    def connection_blocked(self, reason: str) -> None:
        """A TCP connection the guard's relay refused (each target once)."""
        if reason not in self.connections_blocked:
            self.connections_blocked.append(reason)

    def answered(self, request: Request, response: APIResponse) -> None:
        """A response the page got (through the route handler)."""
        headers = response.headers
        self.seen.append(_Seen(Resource(
            url=request.url, method=request.method, kind=request.resource_type,
            status=response.status, mime_type=headers.get("content-type"), headers=headers,
            request_headers=request.headers, fetched_at=now_iso()), response))

    def not_answered(self, request: Request, reason: str, detail: str) -> None:
        """A request the page made that got no response to keep (timed out, failed, blocked)."""
        self.seen.append(_Seen(Resource(
            url=request.url, method=request.method, kind=request.resource_type,
            request_headers=request.headers, skipped=reason, detail=detail[:500],
            fetched_at=now_iso())))

    async def read_bodies(self, max_bytes: int) -> None:
        """Read the bodies of the responses seen so far and not read yet (while the page
        settles: `resources` then reads only what came later)."""
        todo = [seen for seen in self.seen if not seen.read]
        for seen in todo:
            seen.read = True
        await asyncio.gather(*(_read_body(seen, max_bytes) for seen in todo))

    async def resources(self, max_bytes: int) -> list[Resource]:
        """Every resource, with the bodies of those that had one (up to `max_bytes` each)."""
        await self.read_bodies(max_bytes)
        return [seen.resource for seen in self.seen]


async def _read_body(seen: _Seen, max_bytes: int) -> None:
    resource, response = seen.resource, seen.response
    if response is None or resource.skipped:
        return
    declared = resource.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        _too_large(resource, int(declared), max_bytes)
        return
    try:
        body = await response.body()
    except PlaywrightError as exc:
        resource.skipped, resource.detail = "failed", f"the body could not be read: {exc}"[:500]
        return
    if len(body) > max_bytes:
        _too_large(resource, len(body), max_bytes)
        return
    resource.body, resource.size = body, len(body)


def _too_large(resource: Resource, size: int, max_bytes: int) -> None:
    resource.size = size
    resource.skipped = "too large"
    resource.detail = (f"{size / 1e6:.1f} MB is more than the {max_bytes / 1e6:g} MB limit "
                       "(--max-resource-size)")
