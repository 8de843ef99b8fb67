"""Highlights as W3C Web Annotations (JSON-LD, https://www.w3.org/TR/annotation-model/).

Each highlight is an `Annotation` whose target is the page's URL, selected by a
`TextQuoteSelector` (the quote with its prefix and suffix) and a `TextPositionSelector` (where
it was in the version it was made on), with a `TimeState` saying when that version was
captured; a note is its `TextualBody` (motivation `commenting`, else `highlighting`). Several
go out as an `AnnotationCollection` with one `AnnotationPage` holding them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
NAMESPACE = uuid.UUID("6f0b54e2-3a0c-4d5e-9a59-41a9a1c5f0d7")
"""Annotation ids are `urn:uuid:` names made from the page and the highlight, so that the same
highlight has the same id in every export."""


def annotation_id(highlight: dict[str, Any], page_url: str) -> str:
    key = f"{page_url}#{highlight['id']}@{highlight['created_at']}"
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, key)}"


def annotation(highlight: dict[str, Any], page_url: str, context: bool = True
               ) -> dict[str, Any]:
    """One highlight (a `store.highlights` row) as an Annotation on `page_url`."""
    selectors: list[dict[str, Any]] = [{
        "type": "TextQuoteSelector", "exact": highlight["exact"],
        "prefix": highlight["prefix"] or "", "suffix": highlight["suffix"] or ""}]
    if highlight.get("start") is not None and highlight.get("end") is not None:
        selectors.append({"type": "TextPositionSelector", "start": highlight["start"],
                          "end": highlight["end"]})
    target: dict[str, Any] = {"source": page_url, "selector": selectors}
    if highlight.get("capture_captured_at"):
        target["state"] = {"type": "TimeState",
                           "sourceDate": highlight["capture_captured_at"]}
    note = highlight.get("note")
    item: dict[str, Any] = {"@context": CONTEXT} if context else {}
    item.update({
        "id": annotation_id(highlight, page_url), "type": "Annotation",
        "motivation": "commenting" if note else "highlighting",
        "created": highlight["created_at"], "modified": highlight["updated_at"],
    })
    if note:
        item["body"] = {"type": "TextualBody", "value": note, "format": "text/plain",
                        "purpose": "commenting"}
    item["target"] = target
    return item


def collection(highlights: Iterable[dict[str, Any]], label: str,
               collection_id: str | None = None) -> dict[str, Any]:
    """Highlights (rows with their page's `page_url`) as one AnnotationCollection."""
    items = [annotation(h, h["page_url"], context=False) for h in highlights]
    return {
        "@context": CONTEXT,
        "id": collection_id or f"urn:uuid:{uuid.uuid4()}",
        "type": "AnnotationCollection",
        "label": label,
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
