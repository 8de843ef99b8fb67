"""The companion backend the browser extension talks to (routes under /-/archiver/api/)."""

from __future__ import annotations

from typing import Any

ROUTES: list[tuple[str, Any]] = []
