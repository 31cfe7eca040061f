"""The shared-strings table, read only as far as the sheet needs, in a window of recent strings
with older ones spilled to a temporary file: memory stays flat whatever the table holds."""

import re
import tempfile
from array import array
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from veche.intake.imports.xlsx.parsing import (
    _ESCAPE,
    _SPAN,
    _STRING_TAGS,
    MAX_CELL,
    WorkbookProblem,
    _feed,
    _parser,
)

WINDOW = 1 << 18  # characters of recently read shared strings kept in memory
CACHE = 4096  # short shared strings (statuses, topics) kept after a read from disk
CACHED_LENGTH = 200


def _unescape(text: str) -> str:
    """Excel's `_xHHHH_` escapes (`_x000D_` for a carriage return, `_x005F_` for «_»)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = int(match[1], 16)
    return match[0] if 0xD800 <= code < 0xE000 else chr(code)  # a lone surrogate stays text


def _scratch(folder: Path) -> IO[bytes]:
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError:  # a read-only folder: the system's temporary one
        return tempfile.TemporaryFile()


class _SharedStrings:
    """The shared-strings table, read lazily and kept on disk (see the module docstring)."""

    def __init__(self, stream: IO[bytes] | None, folder: Path, stack: ExitStack) -> None:
        self._stream = stream
        self._folder = folder
        self._stack = stack
        self._files: tuple[IO[bytes], IO[bytes]] | None = None
        self._stored = 0  # strings in the files
        self._size = 0  # bytes in the data file
        self._window: list[str] = []  # the strings after the stored ones
        self._window_chars = 0
        self._cache: dict[int, str] = {}
        self._parts: list[str] = []
        self._chars = 0
        self._collect = False
        self._phonetic = 0
        self._parser = _parser()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data

    def __getitem__(self, index: int) -> str:
        while index >= self._stored + len(self._window):
            self._more(index)
        if index >= self._stored:
            return self._window[index - self._stored]
        if index < 0:
            raise WorkbookProblem(f"ячейка ссылается на общую строку № {index}")
        return self._read(index)

    def _more(self, index: int) -> None:
        if self._stream is None:
            count = self._stored + len(self._window)
            raise WorkbookProblem(f"ячейка ссылается на общую строку № {index}, а их {count}")
        if self._window_chars > WINDOW:
            self._store()
        if not _feed(self._parser, self._stream):
            self._stream = None

    def _store(self) -> None:
        if self._files is None:
            self._files = (
                self._stack.enter_context(_scratch(self._folder)),
                self._stack.enter_context(_scratch(self._folder)),
            )
        data, index = self._files
        blob = bytearray()
        spans = array("q")
        for text in self._window:
            encoded = text.encode()
            spans.extend((self._size + len(blob), len(encoded)))
            blob += encoded
        data.seek(self._size)
        data.write(blob)
        index.seek(_SPAN.size * self._stored)
        index.write(spans.tobytes())
        self._size += len(blob)
        self._stored += len(self._window)
        self._window, self._window_chars = [], 0

    def _read(self, index: int) -> str:
        text = self._cache.get(index)
        if text is not None:
            return text
        if self._files is None:  # a stored string implies the files
            raise IndexError(index)
        data, offsets = self._files
        offsets.seek(_SPAN.size * index)
        start, length = _SPAN.unpack(offsets.read(_SPAN.size))
        data.seek(start)
        text = data.read(length).decode()
        if len(text) <= CACHED_LENGTH:
            if len(self._cache) >= CACHE:
                self._cache.clear()
            self._cache[index] = text
        return text

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _STRING_TAGS.get(name)
        if tag == "t":
            self._collect = not self._phonetic
        elif tag == "si":
            self._parts, self._chars = [], 0
        elif tag == "rPh":  # a phonetic reading (Japanese), not part of the text
            self._phonetic += 1

    def _end(self, name: str) -> None:
        tag = _STRING_TAGS.get(name)
        if tag == "t":
            self._collect = False
        elif tag == "si":
            text = _unescape("".join(self._parts))
            self._window.append(text)
            self._window_chars += len(text)
        elif tag == "rPh":
            self._phonetic -= 1

    def _data(self, text: str) -> None:
        if self._collect:
            self._parts.append(text)
            self._chars += len(text)
            if self._chars > MAX_CELL:
                raise WorkbookProblem(f"общая строка длиннее {MAX_CELL} знаков")
