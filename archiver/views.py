"""Reading the archive in Datasette: reader view, history, diff (routes under /-/archiver/)."""

from __future__ import annotations

from typing import Any

ROUTES: list[tuple[str, Any]] = []
