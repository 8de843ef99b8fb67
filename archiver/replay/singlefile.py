"""One capture as one self-contained HTML file: every resource inlined as a `data:` URI,
frames as `srcdoc`, no scripts, and a Content-Security-Policy that lets the file load nothing
from the network. It opens offline in any browser (the SingleFile experience, from the CLI)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from archiver import store
from archiver.errors import NotFound
from archiver.replay.resources import ResourceIndex
from archiver.replay.rewrite import Rewriter, rewrite_css

FILE_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline' data:; "
            "font-src data:; media-src data:; frame-src 'self' data: about:; "
            "script-src 'none'; form-action 'none'; base-uri 'none'")
EMPTY = "data:,"
MAX_CSS_DEPTH = 8  # @import chains deeper than this are not followed


@dataclass
class _Inliner:
    db: Database
    capture: dict[str, Any]
    index: ResourceIndex
    cache: dict[tuple[int, int], str] = field(default_factory=dict)

    def resolve(self, url: str, kind: str, depth: int = 0) -> str:
        rid = self.index.find(url)
        if rid is None:
            return EMPTY
        key = (rid, depth)
        if key not in self.cache:
            self.cache[key] = EMPTY  # an @import cycle ends here
            self.cache[key] = self._data_uri(rid, depth)
        return self.cache[key]

    def _data_uri(self, rid: int, depth: int) -> str:
        row = store.get_resource(self.db, self.capture["id"], rid)
        body = store.resource_body(self.db, row) if row else None
        if row is None or body is None:
            return EMPTY
        mime = (row["mime_type"] or "application/octet-stream").split(";")[0].strip().lower()
        if mime == "text/css" or row["kind"] == "stylesheet":
            if depth >= MAX_CSS_DEPTH:
                return EMPTY
            css = rewrite_css(body.decode("utf-8", errors="replace"), row["url"],
                              lambda u, k: self.resolve(u, k, depth + 1))
            body, mime = css.encode("utf-8"), "text/css"
        if "html" in mime or "javascript" in mime or "ecmascript" in mime:
            return EMPTY  # documents come in as frame snapshots; scripts never run
        return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"

    def frame(self, position: int) -> str:
        html = store.frame_snapshot(self.db, self.capture["id"], position)
        frames = {f["position"]: f for f in store.capture_frames(self.db, self.capture["id"])}
        if html is None or position not in frames:
            return ""
        base = frames[position]["url"] or self._base()
        return self._rewriter(base).html(html.decode("utf-8", errors="replace"))

    def _base(self) -> str:
        return str(self.capture["final_url"] or self.capture["url"])

    def _rewriter(self, base: str) -> Rewriter:
        return Rewriter(base=base, resolve=self.resolve, frame_source=self.frame, srcdoc=True)

    def page(self) -> str:
        blob = store.capture_blob(self.db, self.capture["id"], "snapshot")
        if blob is None:
            raise NotFound(f"Capture {self.capture['id']} has no archived page (it is a file, "
                           "or it failed): try --body or --screenshot.")
        html = self._rewriter(self._base()).html(blob.content.decode("utf-8", errors="replace"))
        return _with_csp(html)


def _with_csp(html: str) -> str:
    """The policy first thing in <head> (made if there is none), before anything it governs."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{FILE_CSP}">'
    head = re.search(r"<head\b[^>]*>", html, re.I)
    if head:
        return html[:head.end()] + meta + html[head.end():]
    opening = re.search(r"<html\b[^>]*>", html, re.I)
    at = opening.end() if opening else 0
    return html[:at] + f"<head>{meta}</head>" + html[at:]


def single_file(db: Database, capture_id: int) -> str:
    """The archived page of a capture as one HTML document that needs nothing else."""
    capture = store.get_capture(db, capture_id)
    return _Inliner(db, capture, ResourceIndex.of(db, capture_id)).page()
