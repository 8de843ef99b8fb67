"""`archiver serve`: Datasette on one or more archive files, in this process.

The server's settings reach the plugin as its configuration in Datasette's metadata (no
environment variables on the side); uvicorn runs the app, as `datasette serve` does.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Sequence
from pathlib import Path

from archiver.settings import ServerSettings

DATASETTE_SETTINGS = {"truncate_cells_html": 120, "default_page_size": 50}


def serve(files: Sequence[Path], host: str, port: int, settings: ServerSettings,
          open_browser: bool = False) -> None:
    """Serve `files` until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn
    from datasette.app import Datasette

    datasette = Datasette([str(f) for f in files], settings=DATASETTE_SETTINGS,
                          metadata={"plugins": {"archiver": settings.as_config()}})
    if open_browser:
        webbrowser.open(f"http://{host}:{port}/-/archiver/")
    uvicorn.run(datasette.app(), host=host, port=port, log_level="info", lifespan="on",
                workers=1)
