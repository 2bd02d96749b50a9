"""Opaque (Content-Format 42, and 1544 before registration): one resource value, its bytes as they are."""

from __future__ import annotations

from collections.abc import Mapping

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.values import Scalar, single_base, single_value
from qlaterm.lwm2m.paths import Path

__all__ = ["decode", "encode"]


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    """Bytes as they are, a string as UTF-8; any other value raises (a client answers 4.06)."""
    value = single_value(base, values, "opaque")
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    raise CodecError(f"opaque carries bytes, not {type(value).__name__}")


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    return {single_base(base, "opaque"): payload}
