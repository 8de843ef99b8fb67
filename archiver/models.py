"""Plain data passed between the pipeline stages: capture -> extract -> store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Article:
    """What a page said: the output of `archiver.extract.extract`."""

    title: str | None = None
    byline: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, as found on the page
    lang: str | None = None
    site_name: str | None = None
    description: str | None = None  # the page's own summary / excerpt
    canonical_url: str | None = None
    image_url: str | None = None  # lead image, absolute when a base URL was known
    html: str = ""  # the article as sanitized HTML
    text: str = ""  # the article as plain text
    word_count: int = 0
    extraction_path: str | None = None  # which path found the text: "cleaned", "readability"...


@dataclass
class ConsentOutcome:
    """What the capture browser did about a cookie/consent prompt."""

    cmp: str | None = None  # consent platform detected, e.g. "Onetrust"
    action: str = "nothing found"  # "opted out" | "hidden" | "nothing found" | "disabled" | "error"
    duration_ms: int = 0
    detail: str | None = None


@dataclass
class Resource:
    """One response the page used: a stylesheet, image, font, script, frame document, XHR ...

    `body` is None when it was not kept; `skipped` then says why ("too large", "timed out",
    "failed", "blocked", "no body"), `detail` says more. The page's own document is a resource
    too (kind "document", its URL the capture's final URL), and so is each redirect hop."""

    url: str
    method: str = "GET"
    kind: str | None = None  # Playwright's resource type: document, stylesheet, image, font ...
    status: int | None = None
    mime_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # response headers
    request_headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    size: int | None = None  # bytes of the body, also when it was not kept (if known)
    skipped: str | None = None
    detail: str | None = None
    fetched_at: str | None = None  # ISO 8601 UTC, when the response arrived


@dataclass
class FrameSnapshot:
    """The rendered DOM of one frame of the page. Its <iframe> element in the parent's snapshot
    carries `data-archiver-frame="POSITION"`; `parent` is the parent frame's position, None for
    a frame of the page itself."""

    position: int
    url: str | None
    html: str
    parent: int | None = None


@dataclass
class Capture:
    """What a page looked like: the output of `archiver.capture`.

    `status` is "ok", "partial" (archived, but something did not load, or only a paywall's
    teaser), "failed", or "blocked" (the site put a wall in the page's place: `wall` says
    which, see `archiver.walls`).
    """

    url: str
    final_url: str | None = None
    status: str = "ok"
    http_status: int | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None  # rendered DOM (page.content()), for HTML pages
    body: bytes | None = None  # the response body as served, for non-HTML responses
    screenshot: bytes | None = None  # full-page screenshot: WebP by default, PNG or JPEG
    title: str | None = None
    captured_at: str = ""  # ISO 8601 UTC
    duration_ms: int = 0
    browser_version: str | None = None
    error: str | None = None  # why it failed, or why it is partial
    consent: ConsentOutcome | None = None
    # Everything the page loaded, and its frames' DOMs. `resources_kept` is False for captures
    # that did not record resources (made before they were kept, or with that turned off).
    resources: list[Resource] = field(default_factory=list)
    frames: list[FrameSnapshot] = field(default_factory=list)
    resources_kept: bool = True
    wall: dict[str, Any] | None = None  # {kind, label, evidence}: set when a wall was found

    @property
    def is_html(self) -> bool:
        ct = (self.content_type or "").split(";")[0].strip().lower()
        return self.html is not None and ct in ("", "text/html", "application/xhtml+xml")


def now_iso() -> str:
    """The time now, as stored: ISO 8601 UTC with milliseconds and a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
