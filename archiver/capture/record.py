"""What the route handler saw while one page loaded."""

from __future__ import annotations

from playwright.async_api import APIResponse


class PageLog:
    """What the route handler saw while one page loaded."""

    def __init__(self) -> None:
        self.documents: dict[str, APIResponse] = {}  # main documents, body read when needed
        self.document_errors: dict[str, str] = {}
        self.timed_out: list[str] = []
        self.failed: list[str] = []
        self.blocked: list[str] = []  # reasons, with block_private
        self.unfinished: list[str] = []  # images and media still loading when it was stopped
        self.screenshot_problem: str | None = None
