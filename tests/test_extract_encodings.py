"""`archiver extract FILE` decodes a file as a browser would (SECURITY.md §5): a byte order
mark, then `<meta charset>` or the XML declaration, then UTF-8 if valid, then detection."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import pytest

GERMAN = ("Die Bäckerin aus Düsseldorf grüßt die Nachbarn. Über den Fluss führt eine Brücke, "
          "und die Straße dahinter heißt Mühlenweg.")
RUSSIAN = ("Пекарь из Самары каждое утро открывает свою лавку на главной улице города. "
           "Соседи приходят за свежим хлебом, пирогами и булочками с маком. Летом он ставит "
           "столы на улице, и люди завтракают под старыми липами, обсуждая новости.")


def page(text: str, head: str = "") -> str:
    title = text.split()[1]
    return (f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body><article>"
            f"<h1>{title}</h1><p>{text}</p><p>{text}</p></article></body></html>")


CASES = {
    "utf-16-le-bom": (codecs.BOM_UTF16_LE + page(GERMAN).encode("utf-16-le"), GERMAN),
    "utf-16-be-bom": (codecs.BOM_UTF16_BE + page(GERMAN).encode("utf-16-be"), GERMAN),
    "utf-8-bom": (codecs.BOM_UTF8 + page(GERMAN).encode(), GERMAN),
    "meta-charset-latin1": (page(GERMAN, '<meta charset="iso-8859-1">').encode("latin-1"),
                            GERMAN),
    "http-equiv-latin1": (page(GERMAN, '<meta http-equiv="Content-Type" content="text/html; '
                                       'charset=ISO-8859-1">').encode("latin-1"), GERMAN),
    "xml-declaration": (('<?xml version="1.0" encoding="windows-1252"?>\n'
                         + page(GERMAN)).encode("cp1252"), GERMAN),
    "undeclared-utf-8": (page(GERMAN).encode(), GERMAN),
    "undeclared-windows-1251": (page(RUSSIAN).encode("cp1251"), RUSSIAN),
    "undeclared-koi8-r": (page(RUSSIAN).encode("koi8-r"), RUSSIAN),
}


@pytest.mark.parametrize("name", list(CASES))
def test_extract_decodes_the_file_as_a_browser_does(tmp_path: Path, name: str) -> None:
    data, expected = CASES[name]
    file = tmp_path / f"{name}.html"
    file.write_bytes(data)
    result = subprocess.run([sys.executable, "-m", "archiver", "extract", str(file)],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert expected in " ".join(text.split()), text[:300]
    assert "\ufffd" not in text
