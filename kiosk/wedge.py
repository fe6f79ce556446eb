"""Keyboard-wedge scanners: a USB scanner types the payload and Enter. Lines in, payloads out.

The same splitter serves ``eventdesk scan --source -`` and the screens' scan field: CR, LF or
CR LF end a line; a line longer than any ticket, or one that is not text, is reported as such
and never buffered without bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_LINE = 512  # a ticket payload is 125 characters; anything far longer is not one
CHUNK = 4096


@dataclass(frozen=True)
class Line:
    text: str
    problem: str | None = None  # why this line cannot be a ticket, when that is known already


class LineSplitter:
    def __init__(self, max_length: int = MAX_LINE) -> None:
        self.max_length = max_length
        self._buffer: list[str] = []
        self._size = 0
        self._overflow = 0
        self._after_cr = False

    def feed(self, data: str) -> list[Line]:
        lines: list[Line] = []
        for ch in data:
            if ch == "\n" and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = ch == "\r"
            if ch in "\r\n":
                line = self._finish()
                if line is not None:
                    lines.append(line)
            elif self._overflow:
                self._overflow += 1
            elif self._size >= self.max_length:
                self._overflow = self._size + 1
            else:
                self._buffer.append(ch)
                self._size += 1
        return lines

    def flush(self) -> list[Line]:
        """The last line when the input ends without a line break."""
        line = self._finish()
        return [line] if line is not None else []

    def _finish(self) -> Line | None:
        text = "".join(self._buffer)
        overflow = self._overflow
        self._buffer, self._size, self._overflow = [], 0, 0
        if overflow:
            return Line(text, f"line of {overflow} characters is too long to be a ticket")
        if not text.strip():
            return None
        if "\ufffd" in text or any(not ch.isprintable() and ch != "\t" for ch in text):
            return Line(text, "line contains binary data, not a ticket")
        return Line(text.strip())


def read_lines(stream: BinaryIO, max_length: int = MAX_LINE) -> Iterator[Line]:
    """Lines from a byte stream (stdin of a wedge scanner), as they arrive."""
    import codecs

    splitter = LineSplitter(max_length)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(CHUNK)
        if not chunk:
            yield from splitter.feed(decoder.decode(b"", final=True))
            yield from splitter.flush()
            return
        yield from splitter.feed(decoder.decode(chunk))
