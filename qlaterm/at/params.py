"""Splitting the parameter part of an AT line into tokens.

The BC26 accepts strings quoted or bare (``device1-api.10646.cn`` equals ``"device1-api.10646.cn"``),
quoted strings may contain commas, and the module itself prints quoted values that contain quotes
(``"write",…,20,"{"outletStatus":"1"}",0``).  A quote therefore closes a string only where it is followed
by a comma (blanks allowed before it) or by the end of the line.  Where a ``<value_type>,<len>,<value>``
triple is known, the value is taken by its length instead, so even a value containing ``",`` splits right;
the length counts bytes (UTF-8 for a string, two hex digits a byte for opaque), as the module does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .wire import characters_in

__all__ = ["MAX_DIGITS", "ParamError", "Token", "field_spans", "parse_int", "split_pairs", "split_params"]


MAX_DIGITS = 1000
"""Longest digit string read as a number; Python's int() refuses more than 4300 digits."""


class ParamError(ValueError):
    """The parameter text cannot be split (an unterminated quoted string)."""


@dataclass(frozen=True, slots=True)
class Token:
    """One parameter as written on the line."""

    text: str
    quoted: bool = False

    def __str__(self) -> str:
        return self.text

    def as_int(self) -> int | None:
        """The token as an integer, or None when it is not one (quoted numbers count too)."""
        return parse_int(self.text)


def parse_int(text: str) -> int | None:
    """``text`` as a decimal integer (ASCII digits, optional sign, blanks around), else None."""
    text = text.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii():
        return None
    if len(digits) > MAX_DIGITS:
        # Far outside every range the module knows, and int() refuses very long digit strings:
        # report "not a number" rather than fail.
        return None
    return int(text)


def _sized_length(pairs: list[tuple[str, bool]], text: str, start: int) -> int | None:
    """Characters the value from ``start`` occupies by ``<value_type>,<len>``, when both are numbers:
    two hex digits a byte for opaque, ``<len>`` bytes of UTF-8 for anything else."""
    if len(pairs) < 2:
        return None
    value_type, length = parse_int(pairs[-2][0]), parse_int(pairs[-1][0])
    if value_type is None or length is None or length < 0:
        return None
    if value_type == 2:
        return 2 * length
    return characters_in(text, start, length)


def split_params(text: str, value_index: int | None = None) -> list[Token]:
    """Split ``a,"b,c",d`` into tokens.

    ``value_index`` names the position of a ``<value>`` preceded by ``<value_type>,<len>``; a quoted value
    there is read by its length when the length fits, which keeps quotes and commas inside it.
    Blanks around a parameter are ignored, also around a quoted string (``1, "a,b" ,2``), so a hand-typed
    line reads the same as a tight one.  An empty text gives no tokens; ``a,,b`` gives an empty middle token.
    Raises ParamError for a quoted string that is never closed.
    """
    return [Token(t, q) for t, q in split_pairs(text, value_index)]


def split_pairs(text: str, value_index: int | None = None) -> list[tuple[str, bool]]:
    """``split_params`` as plain ``(text, quoted)`` pairs: the parser's hot path, without Token objects."""
    if '"' not in text:
        # The common case (numbers, bare strings): one C-level split.
        return [(part.strip(), False) for part in text.split(",")] if text else []
    pairs: list[tuple[str, bool]] = []
    pos, end = 0, len(text)
    while True:
        start = pos
        while pos < end and text[pos] in _BLANKS:
            pos += 1
        if pos < end and text[pos] == '"':
            close = -1
            if value_index is not None and len(pairs) == value_index:
                size = _sized_length(pairs, text, pos + 1)
                if size is not None:
                    candidate = pos + 1 + size
                    if candidate < end and text[candidate] == '"' and _token_end(text, candidate + 1) >= 0:
                        close = candidate
            if close < 0:
                close = _closing_quote(text, pos + 1)
            if close < 0:
                raise ParamError(f"unterminated string starting at column {pos + 1}")
            pairs.append((text[pos + 1 : close], True))
            pos = _token_end(text, close + 1)
        else:
            comma = text.find(",", pos)
            stop = end if comma < 0 else comma
            pairs.append((text[start:stop].strip(), False))
            pos = stop
        if pos >= end:
            return pairs
        pos += 1  # the comma
        if pos == end:
            pairs.append(("", False))
            return pairs


_BLANKS = " \t"


def _token_end(text: str, pos: int) -> int:
    """After a closing quote: the index of the ',' (or the end) that follows, blanks skipped; -1 if neither."""
    end = len(text)
    while pos < end and text[pos] in _BLANKS:
        pos += 1
    if pos == end or text[pos] == ",":
        return pos
    return -1


def _closing_quote(text: str, start: int) -> int:
    """Index of the quote that closes a string opened before ``start``: one followed by ',' or the end."""
    pos = start
    while True:
        pos = text.find('"', pos)
        if pos < 0:
            return -1
        if _token_end(text, pos + 1) >= 0:
            return pos
        pos += 1


def field_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """Where each comma-separated field of ``text[start:]`` lies, its quotes and surrounding blanks excluded;
    a comma inside quotes does not end a field, and an unclosed quote runs to the end.  For rewriting a line
    in place (masking a key, turning a value into a capture) where :func:`split_params` gives values."""
    spans: list[tuple[int, int]] = []
    begin, quoted = start, False
    for i in range(start, len(text) + 1):
        char = text[i] if i < len(text) else ","
        if char == '"':
            quoted = not quoted
        elif char == "," and (not quoted or i == len(text)):
            lo, hi = begin, i
            while lo < hi and text[lo] in ' "':
                lo += 1
            while hi > lo and text[hi - 1] in ' "\r\n':
                hi -= 1
            spans.append((lo, hi))
            begin = i + 1
    return spans
