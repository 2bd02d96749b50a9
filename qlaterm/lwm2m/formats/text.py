"""Plain text (Content-Format 0, and 1541 before registration): one resource value, UTF-8."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.tlv import tlv_str
from qlaterm.lwm2m.formats.values import Scalar, single_base, single_value
from qlaterm.lwm2m.paths import Path

__all__ = ["decode", "encode", "text_of"]


def text_of(value: Scalar) -> str:
    """The plain-text form of a scalar: booleans ``0``/``1``, numbers in decimal, opaque in base64
    (LwM2M 1.1 TS 7.4.1), strings as they are."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CodecError(f"{value} has no plain-text form")
        return repr(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, str):
        return value
    raise CodecError(f"unsupported value type {type(value).__name__}")


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    return text_of(single_value(base, values, "text")).encode("utf-8")


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    """The text as a ``str``; what it means (a number, a boolean) the object model knows."""
    return {single_base(base, "text"): tlv_str(payload)}
