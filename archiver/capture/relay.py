"""A SOCKS5 relay on 127.0.0.1 that a guarded capture's browser context connects through.

Playwright's route handler and the CDP `Fetch` guard see HTTP requests only. A page also opens
TCP connections of other kinds: WebSocket, and WebRTC's TURN over TCP (with UDP switched off
by `--force-webrtc-ip-handling-policy=disable_non_proxied_udp`, WebRTC may only go through the
proxy). Every one of them reaches this relay as a SOCKS5 `CONNECT`; the relay resolves the
name once, checks every address with the guard's rules (`guard.address_problem`) and connects
to an address it checked, so a DNS answer that changes between the check and the connection
changes nothing. Refused attempts are recorded on the capture (`PageLog.blocked`).

Only `CONNECT` without authentication is spoken (what Chromium sends: it hands the proxy host
names, not addresses).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import struct
from collections.abc import Callable

from playwright.async_api import ProxySettings

from archiver.capture import guard

HANDSHAKE_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 10.0
CHUNK = 64 * 1024

# SOCKS5 (RFC 1928)
VERSION = 5
NO_AUTH, NO_ACCEPTABLE = 0, 0xFF
CONNECT = 1
IPV4, DOMAIN, IPV6 = 1, 3, 4
SUCCEEDED, GENERAL_FAILURE, NOT_ALLOWED, HOST_UNREACHABLE, COMMAND_UNSUPPORTED = 0, 1, 2, 4, 7


class ProtocolError(Exception):
    pass


async def connect_to(address: str, port: int) -> tuple[asyncio.StreamReader,
                                                        asyncio.StreamWriter]:
    """The connection to an address the relay checked (a seam for tests)."""
    return await asyncio.open_connection(address, port)


class Relay:
    """One capture's relay. `async with Relay(on_blocked) as relay:` then
    `relay.proxy` is the Playwright proxy setting for the capture's context."""

    def __init__(self, on_blocked: Callable[[str], None]) -> None:
        self.on_blocked = on_blocked
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def __aenter__(self) -> Relay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def proxy(self) -> ProxySettings:
        # Playwright adds "<-loopback>" itself: loopback names go through the relay too
        return {"server": f"socks5://127.0.0.1:{self.port}"}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await self._relay(reader, writer)
        except (ProtocolError, OSError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # the capture is over (`__aexit__`); ending normally, because asyncio's streams
            # look at a connection task's exception and log a cancelled one as an error
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = await asyncio.wait_for(_handshake(reader, writer), HANDSHAKE_TIMEOUT_S)
        address, problem = await checked_address(host, port)
        if problem is not None:
            self.on_blocked(problem)
            await _reply(writer, NOT_ALLOWED)
            return
        assert address is not None
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                connect_to(address, port), CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError):
            await _reply(writer, HOST_UNREACHABLE)
            return
        await _reply(writer, SUCCEEDED)
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()


async def checked_address(host: str, port: int) -> tuple[str | None, str | None]:
    """(an address of `host` to connect to, None), or (None, why not): every address the name
    resolves to must be public."""
    found = await guard.public_addresses(host, port)
    if isinstance(found, guard.Refused):
        name = f"{host}:{port}"
        if found.address is None:
            return None, f"blocked: {found.said(name)}"
        return None, f"blocked: a connection to {found.said(name, ', ', host)}"
    return found[0], None


async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                     ) -> tuple[str, int]:
    version, count = await reader.readexactly(2)
    methods = await reader.readexactly(count)
    if version != VERSION or NO_AUTH not in methods:
        writer.write(bytes([VERSION, NO_ACCEPTABLE]))
        raise ProtocolError("not SOCKS5 without authentication")
    writer.write(bytes([VERSION, NO_AUTH]))
    version, command, _, kind = await reader.readexactly(4)
    if version != VERSION or command != CONNECT:
        await _reply(writer, COMMAND_UNSUPPORTED)
        raise ProtocolError("only CONNECT is relayed")
    if kind == IPV4:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif kind == IPV6:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif kind == DOMAIN:
        (length,) = await reader.readexactly(1)
        host = (await reader.readexactly(length)).decode("idna")
    else:
        await _reply(writer, GENERAL_FAILURE)
        raise ProtocolError("unknown address type")
    (port,) = struct.unpack(">H", await reader.readexactly(2))
    return host, port


async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
    writer.write(bytes([VERSION, code, 0, IPV4, 0, 0, 0, 0, 0, 0]))
    await writer.drain()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if sink.can_write_eof():
                sink.write_eof()
