"""Guarded captures ("archive link"): what the guard's SOCKS5 relay costs.

Captures N generated article pages (tests.bench.pages, images and CSS included) with the
guard on (`block_private`, resources kept, as the server's worker does), once with the relay
every connection goes through and once with the relay switched off, same browser settings.
Offline every page is on 127.0.0.1, so the guard is told (as in tests/test_ssrf.py) that the
name `localhost` is public and the relay connects it to 127.0.0.1. Prints pages/s for both.

example:
  python -m tests.bench guard --pages 30
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from archiver.capture import Browser, CaptureSettings, guard, relay
from tests.bench.pages import article_urls, site_process

PRETEND_PUBLIC = "93.184.216.34"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=2)


def _pretend_localhost_is_public() -> None:
    real, real_connect = guard.resolve_host, relay.connect_to

    async def resolve(host: str, port: int) -> list[str]:
        return [PRETEND_PUBLIC] if host == "localhost" else await real(host, port)

    async def connect(address: str, port: int) -> Any:
        return await real_connect("127.0.0.1" if address == PRETEND_PUBLIC else address, port)

    guard.resolve_host = resolve  # type: ignore[assignment]
    relay.connect_to = connect  # type: ignore[assignment]


async def _capture_all(urls: list[str], concurrency: int, with_relay: bool) -> tuple[float, int]:
    settings = CaptureSettings(block_private=True, consent_handling=False, page_deadline=60)
    limit = asyncio.Semaphore(concurrency)
    async with Browser(settings) as browser:
        if not with_relay:
            async def no_relay(*_: Any) -> None:
                return None

            browser._relay = no_relay  # type: ignore[method-assign]
        await browser.capture(urls[0])  # warm up

        async def one(url: str) -> str:
            async with limit:
                return (await browser.capture(url)).status

        started = time.monotonic()
        statuses = await asyncio.gather(*(one(u) for u in urls))
        return time.monotonic() - started, sum(s == "ok" for s in statuses)


def run(args: argparse.Namespace) -> int:
    _pretend_localhost_is_public()
    with site_process(["ok"] * args.pages) as base:
        urls = [u.replace("127.0.0.1", "localhost") for u in article_urls(base, args.pages)]
        for with_relay in (False, True, False, True):
            seconds, ok = asyncio.run(_capture_all(urls, args.concurrency, with_relay))
            print(f"relay {'on ' if with_relay else 'off'}: {len(urls)} pages in {seconds:.1f} s"
                  f" = {len(urls) / seconds:.2f} pages/s ({ok} ok)")
    return 0
