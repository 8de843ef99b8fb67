"""`archiver serve`: Datasette on one or more archive files, in this process.

The server's settings reach the plugin as its configuration in Datasette's metadata (no
environment variables on the side); uvicorn runs the app, as `datasette serve` does.
"""

from __future__ import annotations

import errno
import os
import secrets
import socket
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from archiver.errors import ArchiverError
from archiver.settings import ServerSettings

DATASETTE_SETTINGS = {"truncate_cells_html": 120, "default_page_size": 50}


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound before anything is printed: a port in use is a
    sentence saying so, not uvicorn's errno after the URL was announced."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ArchiverError(f"Cannot listen on {host!r}: {exc.strerror}.") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ArchiverError(
                f"Port {port} on {host} is taken: another program (another `archiver serve`?) "
                f"listens there. Stop it, or pick another port with --port.") from None
        raise ArchiverError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
    return sock


def serve(files: Sequence[Path], sock: socket.socket, settings: ServerSettings,
          open_browser: bool = False, secret: str | None = None) -> None:
    """Serve `files` on the bound `sock` (see `listen`) until interrupted (Ctrl-C, SIGTERM).
    Datasette signs its cookies (the login's among them) with `secret`; None: a new one each
    start."""
    import uvicorn
    from datasette.app import Datasette

    datasette = Datasette([str(f) for f in files], settings=DATASETTE_SETTINGS,
                          metadata={"plugins": {"archiver": settings.as_config()}},
                          secret=secret)
    host, port = sock.getsockname()[:2]
    if open_browser:
        webbrowser.open(f"http://{host}:{port}/-/archiver/")
    config = uvicorn.Config(datasette.app(), log_level="info", lifespan="on", workers=1)
    uvicorn.Server(config).run(sockets=[sock])


def persistent_secret(path: Path) -> str:
    """The secret kept in `path` (created readable by its owner only on first use)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ArchiverError(f"Cannot create {path} for the login's secret: "
                            f"{exc.strerror}.") from None
    else:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
    try:
        secret = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiverError(f"Cannot read the login's secret {path}: "
                            f"{getattr(exc, 'strerror', None) or type(exc).__name__}.") from None
    if len(secret) < 32:
        raise ArchiverError(f"The login's secret {path} is too short (delete it and a new one "
                            "is made; everyone logs in again).")
    return secret
