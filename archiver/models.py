"""Plain data passed between the pipeline stages: capture -> extract -> store."""

from __future__ import annotations

from dataclasses import dataclass, field


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
class Capture:
    """What a page looked like: the output of `archiver.capture`.

    `status` is "ok", "partial" (archived, but something did not load) or "failed".
    """

    url: str
    final_url: str | None = None
    status: str = "ok"
    http_status: int | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None  # rendered DOM (page.content()), for HTML pages
    body: bytes | None = None  # the response body as served, for non-HTML responses
    screenshot: bytes | None = None  # full-page PNG
    title: str | None = None
    captured_at: str = ""  # ISO 8601 UTC
    duration_ms: int = 0
    browser_version: str | None = None
    error: str | None = None  # why it failed, or why it is partial
    consent: ConsentOutcome | None = None

    @property
    def is_html(self) -> bool:
        ct = (self.content_type or "").split(";")[0].strip().lower()
        return self.html is not None and ct in ("", "text/html", "application/xhtml+xml")
