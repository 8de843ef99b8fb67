"""The guard's SOCKS5 relay (archiver/capture/relay.py) spoken to directly, as Chromium does."""

from __future__ import annotations

import asyncio
import logging
import struct

import pytest

from archiver.capture.relay import Relay


async def socks_connect(port: int, host: str, target_port: int
                        ) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
    """A SOCKS5 CONNECT by host name; returns the relay's reply code and the stream."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x05\x01\x00")
    assert await reader.readexactly(2) == b"\x05\x00"
    name = host.encode()
    writer.write(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", target_port))
    reply = await reader.readexactly(10)
    return reply[1], reader, writer


async def echo_server() -> asyncio.Server:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(echo, "127.0.0.1", 0)


def test_a_loopback_target_is_refused_and_reported() -> None:
    async def run() -> tuple[int, list[str]]:
        blocked: list[str] = []
        upstream = await echo_server()
        port = upstream.sockets[0].getsockname()[1]
        async with Relay(blocked.append) as relay:
            code, _, writer = await socks_connect(relay.port, "127.0.0.1", port)
            writer.close()
        upstream.close()
        return code, blocked

    code, blocked = asyncio.run(run())
    assert code == 2  # connection not allowed by ruleset
    assert len(blocked) == 1 and "a loopback address" in blocked[0]


@pytest.mark.usefixtures("localhost_is_public")
def test_a_public_target_is_relayed_and_closed_quietly_at_the_end(
        caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> tuple[int, bytes, bytes]:
        upstream = await echo_server()
        port = upstream.sockets[0].getsockname()[1]
        async with Relay(lambda reason: None) as relay:
            code, reader, writer = await socks_connect(relay.port, "localhost", port)
            writer.write(b"ping")
            echoed = await reader.readexactly(4)
        after = await asyncio.wait_for(reader.read(), 5)  # the relay closed the connection
        upstream.close()
        return code, echoed, after

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        code, echoed, after = asyncio.run(run())
    assert (code, echoed, after) == (0, b"ping", b"")
    assert not caplog.records, [r.getMessage() for r in caplog.records]
