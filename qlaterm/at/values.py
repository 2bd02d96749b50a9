"""The ``<value_type>,<len>,<value>`` triple of QLARDRSP, QLAOBSRSP, QLANOTIFY, QLASENDDATA and "write" URCs.

Integrators get ``<len>`` wrong more than anything else (UTF-8 bytes for strings, *bytes* for opaque hex,
not hex digits), so both the console and the simulator compute and check it here, in one place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import IntEnum

from .params import MAX_DIGITS
from .wire import wire_length

__all__ = [
    "HEX",
    "INT_MAX",
    "INT_MIN",
    "MAX_OPAQUE_BYTES",
    "MAX_STRING_BYTES",
    "AtValue",
    "InvalidValue",
    "ValueType",
    "decode_value",
    "encode_value",
]

MAX_STRING_BYTES = 1024
"""The longest string value, in bytes of UTF-8 (what ``<len>`` counts)."""
MAX_OPAQUE_BYTES = 512

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
"""LwM2M Integer resources are signed 64-bit; the module refuses anything wider."""

# ASCII digits only: ``\d`` would also take digits of other scripts, which the module does not read.
HEX = re.compile(r"[0-9A-Fa-f]*")
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


class ValueType(IntEnum):
    """``<value_type>``: how the module reads ``<value>``."""

    STRING = 1
    OPAQUE = 2
    INTEGER = 3
    FLOAT = 4
    BOOLEAN = 5

    @property
    def label(self) -> str:
        return self.name.lower()


Scalar = str | bytes | int | float | bool


class InvalidValue(ValueError):
    """A value that the module refuses, with the ``<err>`` code it answers."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class AtValue:
    """A typed value as it goes on the wire: ``type``, ``length`` and ``text``."""

    type: ValueType
    length: int
    text: str

    @classmethod
    def of(cls, value_type: int, value: Scalar) -> AtValue:
        """Build the wire form of a Python value; ``len`` is computed, never typed by hand."""
        length, text = encode_value(value_type, value)
        return cls(ValueType(value_type), length, text)

    def decoded(self) -> Scalar:
        return decode_value(self.type, self.length, self.text)


def encode_value(value_type: int, value: Scalar) -> tuple[int, str]:
    """(``<len>``, ``<value>`` text) for a Python value of the given type. Raises InvalidValue on misfit."""
    vt = _value_type(value_type)
    if vt is ValueType.STRING:
        try:
            text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError:
            raise InvalidValue(3, "a string value is text (UTF-8)") from None
        length = wire_length(text)
        if length > MAX_STRING_BYTES:
            raise InvalidValue(3, f"a string value holds at most {MAX_STRING_BYTES} bytes (UTF-8), not {length}")
        return length, text
    if vt is ValueType.OPAQUE:
        if isinstance(value, str):
            if not HEX.fullmatch(value):
                raise InvalidValue(3, "opaque values are written in hex digits")
            if len(value) % 2:
                raise InvalidValue(13, "opaque hex needs an even number of digits")
            raw = bytes.fromhex(value)
        elif isinstance(value, bytes | bytearray):
            raw = bytes(value)
        else:
            raise InvalidValue(3, "an opaque value is bytes or a hex string")
        if len(raw) > MAX_OPAQUE_BYTES:
            raise InvalidValue(3, f"an opaque value holds at most {MAX_OPAQUE_BYTES} bytes")
        text = raw.hex().upper()
        return len(raw), text
    if vt is ValueType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and _INT.fullmatch(value.strip()) and len(value.strip()) <= MAX_DIGITS:
                value = int(value)
            else:
                raise InvalidValue(3, "an integer value is a whole number")
        if not INT_MIN <= value <= INT_MAX:
            raise InvalidValue(3, "an integer value is a signed 64-bit number")
        text = str(value)
        return len(text), text
    if vt is ValueType.FLOAT:
        if isinstance(value, str):
            if not _FLOAT.fullmatch(value.strip()):
                raise InvalidValue(3, "a float value is a decimal number")
            text = value.strip()
            if not math.isfinite(float(text)):
                raise InvalidValue(3, "a float value must be finite")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an int beyond the float range
                raise InvalidValue(3, "a float value must be finite") from None
            if not math.isfinite(number):
                raise InvalidValue(3, "a float value must be finite")
            text = repr(number)
        else:
            raise InvalidValue(3, "a float value is a decimal number")
        return len(text), text
    # BOOLEAN
    if isinstance(value, bool):
        return 1, "1" if value else "0"
    if isinstance(value, int | str) and str(value).strip() in ("0", "1"):
        return 1, str(value).strip()
    raise InvalidValue(3, "a boolean value is 0 or 1")


def decode_value(value_type: int, length: int, text: str) -> Scalar:
    """Check ``<len>`` against ``<value>`` exactly as the module does and return the Python value.

    Raises InvalidValue with the module's ``<err>``: 13 for odd opaque digits, 3 for anything else.
    """
    vt = _value_type(value_type)
    if length < 0:
        raise InvalidValue(3, "<len> cannot be negative")
    if vt is ValueType.STRING:
        if length > MAX_STRING_BYTES:
            raise InvalidValue(3, f"a string value holds at most {MAX_STRING_BYTES} bytes (UTF-8)")
        size = wire_length(text)
        if size != length:
            if size != len(text):
                raise InvalidValue(
                    3, f"<len> counts bytes: the string is {size} bytes in UTF-8 ({len(text)} characters), not {length}"
                )
            raise InvalidValue(3, f"<len> is {length} but the string has {size} characters")
        return text
    if vt is ValueType.OPAQUE:
        if not HEX.fullmatch(text):
            raise InvalidValue(3, "opaque values are written in hex digits (0-9, A-F)")
        if len(text) % 2:
            raise InvalidValue(13, f"opaque hex has an odd number of digits ({len(text)})")
        if length > MAX_OPAQUE_BYTES:
            raise InvalidValue(3, f"an opaque value holds at most {MAX_OPAQUE_BYTES} bytes")
        if len(text) != 2 * length:
            raise InvalidValue(
                3, f"<len> counts bytes: {len(text)} hex digits are {len(text) // 2} bytes, not {length}"
            )
        return bytes.fromhex(text)
    if vt is ValueType.INTEGER:
        if not _INT.fullmatch(text):
            raise InvalidValue(3, f"{text!r} is not an integer")
        if len(text) != length:
            raise InvalidValue(3, f"<len> is {length} but {text!r} has {len(text)} characters")
        number = int(text) if len(text) <= MAX_DIGITS else INT_MAX + 1  # int() refuses > 4300 digits
        if not INT_MIN <= number <= INT_MAX:
            raise InvalidValue(3, f"{text!r} does not fit a signed 64-bit integer")
        return number
    if vt is ValueType.FLOAT:
        if not _FLOAT.fullmatch(text):
            raise InvalidValue(3, f"{text!r} is not a decimal number")
        if len(text) != length:
            raise InvalidValue(3, f"<len> is {length} but {text!r} has {len(text)} characters")
        decimal = float(text)
        if not math.isfinite(decimal):
            raise InvalidValue(3, f"{text!r} is too large for a float")
        return decimal
    if text not in ("0", "1"):
        raise InvalidValue(3, "a boolean value is 0 or 1")
    if length != 1:
        raise InvalidValue(3, "<len> of a boolean is 1")
    return text == "1"


def _value_type(value_type: int) -> ValueType:
    try:
        return ValueType(value_type)
    except ValueError:
        raise InvalidValue(3, f"<value_type> is 1 to 5, not {value_type}") from None
