"""Bytes to lines.

Serial reads arrive in arbitrary pieces, terminals send CR, LF or CRLF, a module prints ``\\r\\n<text>\\r\\n``
and echoes ``AT…\\r``.  The framer turns any of that into the same lines however the bytes were split:
CR, LF and CRLF all end a line, empty lines vanish, an over-long line is reported (and its bytes dropped)
without disturbing the next one, and bytes that are not UTF-8 are kept and flagged rather than lost.
"""

from __future__ import annotations

import re
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


_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
"""Control bytes other than TAB.  They are ASCII, so searching the raw bytes finds them without decoding."""
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def decode_line(raw: bytes) -> tuple[str, bool]:
    """Decode a line for display: (text, bad).  Never raises."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace"), True
    if _CONTROL.search(raw) is None:
        return text, False
    return _CONTROL_TEXT.sub(_escape, text), True


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


class LineFramer:
    """Incremental splitter: ``feed(bytes)`` returns the lines completed by those bytes.

    CR and LF are treated alike (an empty line between them vanishes), so a read can be cut anywhere:
    the work per read is a couple of C-level passes over the bytes, not a loop per byte or per line.
    """

    __slots__ = ("_buffer", "_max", "_overflow")

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buffer = bytearray()
        self._overflow = False
        self._max = max_line

    def feed(self, data: bytes) -> list[Line]:
        """Take the bytes of one read; return the lines they complete (all bytes are consumed at once)."""
        if type(data) is not bytes:
            data = bytes(data)
        if b"\r" in data:
            data = data.replace(b"\r", b"\n")
        parts = data.split(b"\n")
        if len(parts) == 1:
            self._append(data)
            return []
        lines: list[Line] = []
        head = parts[0]
        if self._buffer or self._overflow:
            self._append(head)
            line = self._take()
            if line is not None:
                lines.append(line)
        elif head:
            lines.append(self._line(head))
        for index in range(1, len(parts) - 1):
            raw = parts[index]
            if raw:
                lines.append(self._line(raw))
        tail = parts[-1]
        if tail:
            self._append(tail)
        return lines

    def pending(self) -> bytes:
        """Bytes of the unfinished line (for a partial prompt or a diagnosis)."""
        return bytes(self._buffer)

    def flush(self) -> Line | None:
        """End the unfinished line as if a terminator had arrived (on close)."""
        return self._take()

    def _line(self, raw: bytes) -> Line:
        """A whole line that arrived in one read."""
        if len(raw) > self._max:
            raw = raw[: self._max]
            text, bad = decode_line(raw)
            return Line(text, raw, True, bad)
        text, bad = decode_line(raw)
        return Line(text, raw, False, bad)

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
