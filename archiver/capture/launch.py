"""Which Chromium to run, and with which switches."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError

from archiver.errors import BrowserNotFound
from archiver.settings import CaptureSettings

SYSTEM_BROWSERS = (
    "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
)


# Full Chromium builds (Debian's `chromium`, Chrome) preload the omnibox popup's WebUI in a
# renderer of its own for every window, that is for every capture's context, even headless:
# about 0.5 s of CPU a page, as much as the page itself, for a popup no one sees (Playwright's
# headless shell has no such UI). Chromium keeps only the last --disable-features switch, so
# Playwright's own list (1.65: chromiumSwitches.ts) is repeated here;
# tests/test_engine.py checks that the running browser still has all of Playwright's.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)


BROWSER_UI_FEATURES = (
    "PreloadTopChromeWebUI", "WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup",
)


BASE_ARGS = ["--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--hide-scrollbars"]


def merged_args(args: list[str], disabled: tuple[str, ...]) -> list[str]:
    """`args` with every --disable-features in them and `disabled` folded into one, last."""
    features = list(disabled)
    rest = []
    for arg in args:
        if arg.startswith("--disable-features="):
            features += [f for f in arg.split("=", 1)[1].split(",") if f and f not in features]
        else:
            rest.append(arg)
    return [*rest, "--disable-features=" + ",".join(features)]


LAUNCH_ARGS = merged_args(BASE_ARGS, PLAYWRIGHT_DISABLED_FEATURES + BROWSER_UI_FEATURES)


INSTALL_HINT = (
    "Install one with `archiver setup` (runs `playwright install chromium`), or on Debian/Ubuntu "
    "`sudo apt-get install chromium`, or point ARCHIVER_BROWSER (or --browser) at a Chromium or "
    "Chrome executable."
)


def find_browser(explicit: str | None, playwright_path: str | None) -> str:
    """Which Chromium to run: the setting, else Playwright's own, else one on PATH."""
    if explicit:
        path = shutil.which(explicit) or explicit
        if not Path(path).is_file():
            raise BrowserNotFound(f"The browser {explicit!r} (from --browser / ARCHIVER_BROWSER) "
                                  f"does not exist. {INSTALL_HINT}")
        return path
    if playwright_path and Path(playwright_path).is_file():
        return playwright_path
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFound(f"No Chromium or Chrome was found. {INSTALL_HINT}")


def chromium_for(pw: Any, explicit: str | None = None) -> str:
    """`find_browser` with the Chromium of this Playwright (sync or async), where it has one."""
    try:
        own: str | None = pw.chromium.executable_path
    except PlaywrightError:
        own = None
    return find_browser(explicit, own)


WEBRTC_THROUGH_PROXY_ONLY = [f"--{name}=disable_non_proxied_udp" for name in (
    "webrtc-ip-handling-policy", "force-webrtc-ip-handling-policy")]
"""WebRTC (STUN, TURN, peers) only through the context's proxy, so only over TCP to the guard's
relay: no UDP at all. Builds differ in the switch's name (Debian's Chromium 156 knows only the
first); both are given."""


def browser_user_agent(version: str | None) -> str:
    """Chromium's own User-Agent for `version`, without the "Headless" that headless mode
    puts in it (sites answer that with a bot check)."""
    return ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{version} Safari/537.36")


def launch_args(settings: CaptureSettings) -> list[str]:
    """What Chromium is started with: LAUNCH_ARGS, the guard's and the user's extra ones."""
    guard = ["--disable-site-isolation-trials", "--disable-features=IsolateOrigins,SitePerProcess",
             *WEBRTC_THROUGH_PROXY_ONLY]
    return merged_args(LAUNCH_ARGS + (guard if settings.block_private else [])
                       + settings.extra_args, ())


def installed_browser(explicit: str | None = None) -> str:
    """`find_browser` with Playwright's own Chromium, from outside an event loop (setup)."""
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            return chromium_for(pw, explicit)
    except PlaywrightError:
        return find_browser(explicit, None)
