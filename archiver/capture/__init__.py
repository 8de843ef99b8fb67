"""Capture pages in Chromium. The only package that imports Playwright.

`launch` finds the browser and its switches, `browser` owns one Chromium for many captures,
`page` captures one URL (bounded waits, route handler, status), `screenshot` takes the
full-page screenshot, `guard` keeps network-requested captures off private addresses (with `relay`,
the SOCKS5 relay their WebSocket and WebRTC connections go through), `consent` answers cookie
prompts.
"""

from archiver.capture.browser import Browser
from archiver.capture.guard import address_problem, blocked_reason
from archiver.capture.launch import (
    LAUNCH_ARGS,
    chromium_for,
    find_browser,
    installed_browser,
    launch_args,
)
from archiver.capture.quietly import friendly_error
from archiver.capture.screenshot import full_page_png, full_page_shot
from archiver.settings import CaptureSettings

__all__ = ["LAUNCH_ARGS", "Browser", "CaptureSettings", "address_problem", "blocked_reason",
           "chromium_for", "find_browser", "friendly_error", "full_page_png", "full_page_shot",
           "installed_browser", "launch_args"]
