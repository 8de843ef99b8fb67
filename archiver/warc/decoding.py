"""Bytes of an archived HTML response -> text, decoded as a browser decodes them.

The order is the HTML standard's: a byte order mark, then the charset of the Content-Type
header, then a `<meta charset>` (or `http-equiv`) in the first 1024 bytes, then (where nothing
is declared) UTF-8 if the bytes are valid UTF-8, else (for files, where there is no header:
`detect`) what a detector finds, else windows-1252. Labels are mapped the way
the WHATWG Encoding standard maps them (latin-1 and ASCII mean windows-1252, a declared UTF-16
in a `<meta>` means UTF-8 ...).
"""

from __future__ import annotations

import codecs
import re

PRESCAN_BYTES = 1024

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))

# Labels the Encoding standard maps to another encoding than Python's codec of that name.
_WHATWG_LABELS = {
    "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252", "iso_8859-1": "cp1252",
    "cp819": "cp1252", "ibm819": "cp1252", "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "iso8859-9": "cp1254",
    "iso-8859-11": "cp874", "tis-620": "cp874",
    "gb2312": "gbk", "gb_2312": "gbk", "gb_2312-80": "gbk", "x-gbk": "gbk", "chinese": "gbk",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "windows-949": "cp949",
    "x-sjis": "shift_jis", "ms_kanji": "shift_jis", "windows-31j": "cp932",
    "x-mac-roman": "mac_roman", "macintosh": "mac_roman", "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8",
}

_META_RE = re.compile(rb"<meta\b([^>]*)>", re.I)
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.I)
_XML_DECL_RE = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")


def codec_for(label: str | None) -> str | None:
    """Python's codec for a charset label as browsers read it, or None if it is unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _WHATWG_LABELS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if any."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def sniff_encoding(data: bytes, content_type: str | None = None, detect: bool = False) -> str:
    """The codec a browser would decode `data` with. With `detect`, bytes that declare
    nothing and are not UTF-8 go to a detector (charset-normalizer, as browsers run theirs)
    before falling back to windows-1252."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    declared = codec_for(header_charset(content_type))
    if declared:
        return declared
    meta = _prescan(data[:PRESCAN_BYTES])
    if meta:
        return meta
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by a truncated body is still UTF-8
        if exc.start < len(data) - 3:
            return (detect and _detected(data)) or "cp1252"
    return "utf-8"


DETECT_BYTES = 200_000  # enough text to tell encodings apart; detection is slow on more


def _detected(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    return codec_for(best.encoding) if best is not None else None


def _prescan(head: bytes) -> str | None:
    xml = _XML_DECL_RE.match(head.lstrip())
    if xml:
        return _meta_codec(xml.group(1))
    for meta in _META_RE.finditer(head):
        found = _CHARSET_RE.search(meta.group(1))
        if found:
            codec = _meta_codec(found.group(1))
            if codec:
                return codec
    return None


def _meta_codec(label: bytes) -> str | None:
    codec = codec_for(label.decode("ascii", errors="replace"))
    if codec and codec.startswith("utf-16"):
        return "utf-8"  # a document that can declare itself in ASCII is not UTF-16
    return codec


def decode_html(data: bytes, content_type: str | None = None, detect: bool = False) -> str:
    """The text of an HTML response body, as a browser would read it (BOM dropped)."""
    codec = sniff_encoding(data, content_type, detect)
    text = data.decode(codec, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text
