"""Bytes to lines.

Serial reads arrive in arbitrary pieces, terminals send CR, LF or CRLF, a module prints ``\\r\\n<text>\\r\\n``
and echoes ``AT…\\r``.  The framer turns any of that into the same lines however the bytes were split:
CR, LF and CRLF all end a line, empty lines vanish, an over-long line is reported (and its bytes dropped)
without disturbing the next one, and bytes that are not UTF-8 are kept and flagged rather than lost.

Each line also carries its bytes as they came (``wire``): the line ends that came before its text and the
text, so that the lines of a stream hold every byte of it once, CR and LF included, however it was split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_LINE", "MAX_WIRE", "Line", "LineFramer"]

MAX_LINE = 4096
"""Longest command line the module accepts, in bytes (without the terminator)."""

MAX_WIRE = MAX_LINE + 64
"""Most bytes a line keeps of the wire (an over-long line or a long run of empty lines keeps its start)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line between terminators.

    ``text`` is the decoded line (undecodable bytes shown as ``\\xNN``); ``raw`` the bytes as received
    (at most ``MAX_LINE`` of them); ``overflow`` says the line was longer than ``MAX_LINE`` and was cut;
    ``bad`` says it held bytes that are not valid UTF-8 or control characters.  ``wire`` is every byte
    since the end of the previous line's text: the CR and LF that ended that line, empty lines, and this
    line's text (at most ``MAX_WIRE`` bytes).
    """

    text: str
    raw: bytes
    overflow: bool = False
    bad: bool = False
    wire: bytes = b""


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

    __slots__ = ("_buffer", "_max", "_overflow", "_wire")

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self._buffer = bytearray()
        self._overflow = False
        self._max = max_line
        self._wire = bytearray()
        """The bytes since the end of the last line's text."""

    def feed(self, data: bytes) -> list[Line]:
        """Take the bytes of one read; return the lines they complete (all bytes are consumed at once)."""
        if type(data) is not bytes:
            data = bytes(data)
        wire = data
        if b"\r" in data:
            data = data.replace(b"\r", b"\n")  # same length: offsets in ``data`` are offsets in ``wire``
        parts = data.split(b"\n")
        if len(parts) == 1:
            self._append(data)
            self._keep(wire)
            return []
        lines: list[Line] = []
        head = parts[0]
        end = len(head)  # where the text of the part ends, in ``wire``
        cut = 0  # where the wire of the next line starts
        if self._buffer or self._overflow:
            self._append(head)
            line = self._take()
            if line is not None:
                lines.append(self._wired(line, wire, cut, end))
                cut = end
        elif head:
            lines.append(self._line(head, self._wire_of(wire, cut, end)))
            cut = end
        for index in range(1, len(parts) - 1):
            raw = parts[index]
            end += 1 + len(raw)
            if raw:
                lines.append(self._line(raw, self._wire_of(wire, cut, end)))
                cut = end
        tail = parts[-1]
        if tail:
            self._append(tail)
        self._keep(wire[cut:] if cut else wire)
        return lines

    def _wired(self, line: Line, wire: bytes, start: int, end: int) -> Line:
        """``line`` with its wire: what was kept from earlier reads and ``wire[start:end]``."""
        return Line(line.text, line.raw, line.overflow, line.bad, self._wire_of(wire, start, end))

    def _wire_of(self, wire: bytes, start: int, end: int) -> bytes:
        """A line's wire: what was kept from earlier reads and ``wire[start:end]``."""
        if self._wire:
            self._keep(wire[start:end])
            taken = bytes(self._wire)
            self._wire.clear()
            return taken
        return wire[start:min(end, start + MAX_WIRE)]

    def _keep(self, chunk: bytes) -> None:
        room = MAX_WIRE - len(self._wire)
        if room > 0:
            self._wire += chunk[:room]

    def pending(self) -> bytes:
        """Bytes of the unfinished line (for a partial prompt or a diagnosis)."""
        return bytes(self._buffer)

    def flush(self) -> Line | None:
        """End the unfinished line as if a terminator had arrived (on close)."""
        line = self._take()
        if line is None:
            return None
        wired = Line(line.text, line.raw, line.overflow, line.bad, bytes(self._wire))
        self._wire.clear()
        return wired

    def _line(self, raw: bytes, wire: bytes) -> Line:
        """A whole line that arrived in one read, with its bytes on the wire."""
        if len(raw) > self._max:
            raw = raw[: self._max]
            text, bad = decode_line(raw)
            return Line(text, raw, True, bad, wire)
        text, bad = decode_line(raw)
        return Line(text, raw, False, bad, wire)

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
