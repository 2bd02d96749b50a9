"""How the module counts a string: in bytes of UTF-8, the way they cross the UART.

``<len>`` of a string value is the number of bytes the value takes on the line, so ``"héllo"`` has
``<len>`` 6, not 5 (docs/decisions/017-string-length-in-bytes.md).  The console computes it, the checker
and the simulator check it, and the parameter splitter reads a value by it, all with these two functions.
"""

from __future__ import annotations

__all__ = ["characters_in", "wire_length"]


def wire_length(text: str) -> int:
    """The bytes ``text`` takes on the line: its ``<len>`` as a string value."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def characters_in(text: str, start: int, size: int) -> int | None:
    """How many characters of ``text`` from ``start`` make up exactly ``size`` bytes; None when ``size``
    ends inside a character or runs past the end of the text."""
    piece = text[start : start + size]
    if piece.isascii():
        return len(piece) if len(piece) == size else None
    head = piece.encode("utf-8", "surrogatepass")
    if len(head) < size:
        return None
    try:
        return len(head[:size].decode("utf-8", "surrogatepass"))
    except UnicodeDecodeError:
        return None
