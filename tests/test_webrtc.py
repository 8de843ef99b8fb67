"""SECURITY.md §3, the channels that bypass HTTP: a "public" page captured through "archive
link" opens a WebSocket and an RTCPeerConnection whose STUN and TURN servers are loopback
listeners. The guard's relay and Chromium's WebRTC policy keep every packet away from them,
and the capture says what was blocked. The same page captured without the guard does reach
them (the probe is real)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FixtureServer, Reply
from helpers import guarded_capture


class Listeners:
    """A UDP and a TCP socket on 127.0.0.1 that count what reaches them."""

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp_port, self.tcp_port = self.udp.getsockname()[1], self.tcp.getsockname()[1]
        self.packets = self.connections = 0
        for target in (self._count_packets, self._count_connections):
            threading.Thread(target=target, daemon=True).start()

    def _count_packets(self) -> None:
        while True:
            try:
                self.udp.recvfrom(4096)
            except OSError:
                return
            self.packets += 1

    def _count_connections(self) -> None:
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def listeners() -> Iterator[Listeners]:
    found = Listeners()
    yield found
    found.close()


def probe_page(udp: int, tcp: int, slow_image: str) -> str:
    return f"""<!doctype html><html><head><title>Probe</title><script>
new WebSocket("ws://127.0.0.1:{tcp}/socket");
const pc = new RTCPeerConnection({{iceServers: [
  {{urls: "stun:127.0.0.1:{udp}"}},
  {{urls: "turn:127.0.0.1:{udp}?transport=udp", username: "u", credential: "p"}},
  {{urls: "turn:127.0.0.1:{tcp}?transport=tcp", username: "u", credential: "p"}}]}});
pc.createDataChannel("probe");
pc.createOffer().then((offer) => pc.setLocalDescription(offer));
</script></head><body><article><h1>Probe</h1>
<p>A public page that tries the channels HTTP guards do not see.</p>
<img src="{slow_image}" alt=""></article></body></html>"""


def capture(url: str, guarded: bool) -> Any:
    return guarded_capture(url, guarded=guarded, settle_time=1.0)


def serve_probe(server: FixtureServer, listeners: Listeners, name: str) -> str:
    image = server.add(f"/webrtc/{name}.png", Reply(body=b"", content_type="image/png",
                                                    delay=1.0))
    page = probe_page(listeners.udp_port, listeners.tcp_port,
                      image.replace("127.0.0.1", "localhost"))
    return server.add_page(f"/webrtc/{name}.html", page).replace("127.0.0.1", "localhost")


@pytest.mark.usefixtures("localhost_is_public")
def test_a_guarded_capture_reaches_no_private_address_by_webrtc_or_websocket(
        server: FixtureServer, listeners: Listeners, capfd: pytest.CaptureFixture[str]) -> None:
    result = capture(serve_probe(server, listeners, "guarded"), guarded=True)
    assert "Traceback" not in capfd.readouterr().err  # the relay ends its connections quietly
    assert (listeners.packets, listeners.connections) == (0, 0)
    assert result.title == "Probe" and result.status == "partial", result.error
    assert f"blocked: a connection to 127.0.0.1:{listeners.tcp_port}" in result.error
    assert (f"blocked: WebRTC over UDP (a peer connection to stun:127.0.0.1:"
            f"{listeners.udp_port}") in result.error


def test_the_probe_reaches_the_listeners_without_the_guard(server: FixtureServer,
                                                           listeners: Listeners) -> None:
    result = capture(serve_probe(server, listeners, "unguarded"), guarded=False)
    assert result.title == "Probe"
    assert listeners.packets > 0 and listeners.connections > 0
