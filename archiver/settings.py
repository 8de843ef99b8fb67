"""Settings of the pipeline, with their defaults: the one place they are written.

The edges (the CLI, the Datasette plugin) build these from options, configuration and the
environment, and pass them down explicitly; the library reads no environment variables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archiver.cookies import Cookies


@dataclass
class CaptureSettings:
    """How pages are captured. Times are in seconds."""

    browser_path: str | None = None
    viewport_width: int = 1280
    viewport_height: int = 800
    user_agent: str | None = None  # default: the browser's own UA without "Headless"
    nav_timeout: float = 30.0  # the main document must answer within this
    request_timeout: float = 10.0  # each subresource must answer within this
    load_timeout: float = 10.0  # after the DOM is ready, wait this long for `load`
    settle_time: float = 0.3  # let late scripts run after `load`
    page_deadline: float = 90.0  # the whole capture, whatever happens
    consent_handling: bool = True
    consent_timeout: float = 6.0
    screenshot: bool = True
    # Encoded by Chromium (see capture.screenshot): "auto" (lossless WebP where the page is grey
    # text and drawings, JPEG at `screenshot_quality` where photos are, lossy WebP where its
    # text is coloured), "webp" (the same but lossy WebP where photos are too: a third fewer
    # bytes there, three times the CPU), "png" (lossless) or "jpeg" (lossy at
    # `screenshot_quality`). Quality 100: WebP, always lossless.
    screenshot_format: str = "auto"
    screenshot_quality: int = 80
    # Image pixels a CSS pixel: the screenshot is a picture of the page (the archived DOM and
    # resources are its record, and replay at full size): at 0.75, text of 16 px is drawn at
    # 12 px, still readable, in 56 % of the pixels, 55-63 % of the bytes and 59-66 % of
    # Chromium's CPU time of 1.0 (`python -m tests.bench screenshots --scale`). 1.0: full size.
    screenshot_scale: float = 0.75
    max_screenshot_height: int = 16000  # taller pages are clipped (WebP holds 16,383 px)
    # PNG only: Chromium's fast PNG encoder: lossless like the default one, about 40 % less
    # time for a full-page screenshot and about 30 % more bytes (measured: `python -m
    # tests.bench screenshots`). False: the default encoder, smaller files.
    fast_screenshots: bool = True
    extra_args: list[str] = field(default_factory=list)
    # Captures asked for over the network: never reach loopback, private, link-local, CGNAT or
    # metadata addresses (first URL, redirect hops, subresources). See `capture.guard`.
    block_private: bool = False
    # Keep every response the page used (stylesheets, images, fonts, frames, scripts, XHR),
    # so that the archived page replays from the archive alone; bodies larger than this are
    # recorded as skipped.
    keep_resources: bool = True
    max_resource_bytes: int = 20_000_000
    # Lazy content: scroll through the page (a viewport a step) for at most this long.
    lazy_budget: float = 3.0
    restart_every: int = 500  # start a fresh Chromium after this many captures (0: never)
    # Where the pinned autoconsent is installed (None: archiver/vendor/autoconsent).
    autoconsent_dir: Path | None = None
    # Cookies (`archiver save --cookies FILE`) added to every capture's fresh context: the
    # pages are captured as the logged-in user. Their values are never stored.
    cookies: Cookies | None = field(default=None, repr=False)


@dataclass
class RunSettings:
    """How many pages are captured at once, and how failures are retried."""

    concurrency: int = 4  # pages captured at the same time
    per_host: int = 2  # pages of one site at the same time
    retries: int = 0  # network errors, 5xx and 429 are tried again this often
    retry_delay: float = 2.0  # seconds before the first retry; doubles each time


@dataclass(frozen=True)
class ServerSettings:
    """The archive server's own settings (the browser extension's API, "archive link").

    `archiver serve` builds them from its options and hands them to the Datasette plugin as
    its plugin configuration (`plugins: archiver:` in Datasette's metadata), which is also how
    a plain `datasette` user sets them."""

    allow_private_targets: bool = False  # "archive link" may reach localhost/private networks
    max_body: int = 50 * 1024 * 1024  # bytes of one API request
    extra_hosts: tuple[str, ...] = ()  # more Host names the server may be reached by
    browser_path: str | None = None  # for "archive link" (default: Playwright's, else PATH)
    # Check due watches in the background (`archiver serve` turns it on; a plain `datasette`
    # serving the archive leaves it to `archiver watch run`), every `watch_poll` seconds.
    watch: bool = False
    watch_poll: float = 60.0
    webhooks: tuple[str, ...] = ()  # every change is also POSTed here
    # Every page needs a login (`/-/archiver/login`) with the password whose salted scrypt
    # hash this is (`archiver.passwords`); never the password itself. The extension's API keeps
    # its bearer token. Set, the hash turns the login on unless `require_login` says otherwise.
    password_hash: str | None = None
    require_login: bool = False
    # The server's own pipeline (the extension's "archive link", the web UI's "Add pages",
    # watches): pages at a time, retries of network errors, seconds for one whole page.
    worker_concurrency: int = 2
    worker_retries: int = 2
    page_deadline: float = 60.0

    def capture_settings(self) -> CaptureSettings:
        """How the server's pipeline captures: its browser, private targets blocked unless
        allowed, its page deadline."""
        return CaptureSettings(browser_path=self.browser_path,
                               block_private=not self.allow_private_targets,
                               page_deadline=self.page_deadline)

    def run_settings(self) -> RunSettings:
        return RunSettings(concurrency=self.worker_concurrency, retries=self.worker_retries)

    def as_config(self) -> dict[str, Any]:
        return {**asdict(self), "extra_hosts": list(self.extra_hosts),
                "webhooks": list(self.webhooks)}

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> ServerSettings:
        """From Datasette's plugin configuration; unknown keys are ignored."""
        config = config or {}
        hosts = config.get("extra_hosts") or ()
        password_hash = str(config.get("password_hash") or "").strip() or None
        return cls(
            allow_private_targets=bool(config.get("allow_private_targets", False)),
            max_body=int(config.get("max_body") or cls.max_body),
            extra_hosts=tuple(str(h).strip().lower() for h in hosts if str(h).strip()),
            browser_path=config.get("browser_path") or None,
            watch=bool(config.get("watch", False)),
            watch_poll=float(config.get("watch_poll") or cls.watch_poll),
            webhooks=tuple(str(u) for u in config.get("webhooks") or ()),
            password_hash=password_hash,
            require_login=bool(config.get("require_login", password_hash is not None)),
            worker_concurrency=int(config.get("worker_concurrency") or cls.worker_concurrency),
            worker_retries=int(config.get("worker_retries", cls.worker_retries)),
            page_deadline=float(config.get("page_deadline") or cls.page_deadline),
        )
