"""Shared by the parts of the XLSX reader: limits, errors, and expat fed chunk by chunk with
every document type declaration refused (an XLSX from outside is untrusted)."""

import re
import struct
import zipfile
from collections.abc import Callable
from typing import IO
from xml.parsers import expat

Row = tuple[int, list[object]]
CHUNK = 64 * 1024  # decompressed bytes handed to expat at a time
MAX_CELL = 1 << 20  # characters in one cell (Excel's own limit is 32,767)
MAX_COLUMN = 16_384  # XFD, Excel's last column
MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SPAN = struct.Struct("qq")


class WorkbookProblem(Exception):
    """The file is not a readable workbook; the message, in Russian, says why."""


# Errors reading a broken file can raise, besides WorkbookProblem: the caller turns them into
# a message for the officer.
BROKEN = (
    WorkbookProblem,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    expat.ExpatError,
    ValueError,  # a number, index or reference that is not one; zlib.error is not a ValueError
    EOFError,  # a deflate stream cut short
    OSError,
    NotImplementedError,  # a compression method zipfile does not know
)


def _tags(*names: str) -> dict[str, str]:
    """Element names as expat reports them (namespace}local), for both the transitional and
    the strict namespace and for none, to the local name."""
    return {f"{space}}}{name}" if space else name: name for space in (*MAIN, "") for name in names}


_SHEET_TAGS = _tags("c", "v", "t", "row", "rPh", "sheetData", "dimension")
_STRING_TAGS = _tags("si", "t", "rPh")


def _refuse_doctype(*_: object) -> None:
    raise WorkbookProblem("в XML есть объявление DOCTYPE, такие файлы не принимаются")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    return parser


def _feed(parser: expat.XMLParserType, stream: IO[bytes]) -> bool:
    """Parse the next chunk of a part; False once it is read to the end."""
    chunk = stream.read(CHUNK)
    parser.Parse(chunk, not chunk)
    return bool(chunk)


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _walk(
    stream: IO[bytes],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] = lambda _: None,
) -> None:
    """Parse a small part to its end, with local names for elements and attributes."""
    parser = _parser()
    parser.StartElementHandler = lambda name, attrs: start(
        _local(name), {_local(k): v for k, v in attrs.items()}
    )
    parser.EndElementHandler = lambda name: end(_local(name))
    while _feed(parser, stream):
        pass
