"""Bytes to lines.

Serial reads arrive in arbitrary pieces, terminals send CR, LF or CRLF, a module prints ``\\r\\n<text>\\r\\n``
and echoes ``AT…\\r``.  The framer turns any of that into the same lines however the bytes were split:
CR, LF and CRLF all end a line, empty lines vanish, an over-long line is reported (and its bytes dropped)
without disturbing the next one, and bytes that are not UTF-8 are kept and flagged rather than lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["MAX_LINE", "Line", "LineFramer"]

MAX_LINE = 4096
"""Longest command line the module accepts, in bytes (without the terminator)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line between terminators.

    ``text`` is the decoded line (undecodable bytes shown as ``\\xNN``); ``raw`` the bytes as received
    (at most ``MAX_LINE`` of them); ``overflow`` says the line was longer than ``MAX_LINE`` and was cut;
    ``bad`` says it held bytes that are not valid UTF-8 or control characters.
    """

    text: str
    raw: bytes
    overflow: bool = False
    bad: bool = False


def decode_line(raw: bytes) -> tuple[str, bool]:
    """Decode a line for display: (text, bad).  Never raises."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace"), True
    if any(ord(ch) < 32 and ch != "\t" for ch in text) or "\x7f" in text:
        escaped = "".join(ch if (ord(ch) >= 32 and ch != "\x7f") or ch == "\t" else f"\\x{ord(ch):02x}" for ch in text)
        return escaped, True
    return text, False


class LineFramer:
    """Incremental splitter: ``feed(bytes)`` yields the lines completed by those bytes."""

    __slots__ = ("_buffer", "_max", "_overflow")

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buffer = bytearray()
        self._overflow = False
        self._max = max_line

    def feed(self, data: bytes) -> Iterator[Line]:
        start = 0
        end = len(data)
        while start < end:
            cut = _find_terminator(data, start)
            if cut < 0:
                self._append(data[start:])
                return
            self._append(data[start:cut])
            line = self._take()
            if line is not None:
                yield line
            start = cut + 1

    def pending(self) -> bytes:
        """Bytes of the unfinished line (for a partial prompt or a diagnosis)."""
        return bytes(self._buffer)

    def flush(self) -> Line | None:
        """End the unfinished line as if a terminator had arrived (on close)."""
        return self._take()

    def _append(self, chunk: bytes) -> None:
        if self._overflow:
            return
        room = self._max - len(self._buffer)
        if len(chunk) > room:
            self._buffer += chunk[:room]
            self._overflow = True
        else:
            self._buffer += chunk

    def _take(self) -> Line | None:
        raw = bytes(self._buffer)
        overflow = self._overflow
        self._buffer.clear()
        self._overflow = False
        if not raw and not overflow:
            return None
        text, bad = decode_line(raw)
        return Line(text, raw, overflow, bad)


def _find_terminator(data: bytes, start: int) -> int:
    cr = data.find(b"\r", start)
    lf = data.find(b"\n", start)
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)
