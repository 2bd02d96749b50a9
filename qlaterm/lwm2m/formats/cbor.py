"""CBOR (RFC 8949) as the content formats use it, and Content-Format 60, one value in CBOR.

Definite and indefinite arrays, maps and strings, integers,
floats (half, single, double), booleans and null are handled, tags are skipped, nesting depth is bounded,
and every read is bounds-checked, so bad input raises only CodecError.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.values import Scalar, float32_exact, single_base, single_value
from qlaterm.lwm2m.paths import Path

__all__ = ["decode", "dumps", "encode", "loads"]


_CBOR_MAX_DEPTH = 16
_BREAK = object()


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise CodecError(f"CBOR argument {arg} does not fit in 64 bits")


def dumps(item: Any) -> bytes:
    """Encode ints, floats (float32 when exact), text, bytes, bools, None, lists and dicts."""
    if item is None:
        return b"\xf6"
    if isinstance(item, bool):
        return b"\xf5" if item else b"\xf4"
    if isinstance(item, int):
        return _cbor_head(0, item) if item >= 0 else _cbor_head(1, -1 - item)
    if isinstance(item, float):
        if float32_exact(item):
            return b"\xfa" + struct.pack(">f", item)
        return b"\xfb" + struct.pack(">d", item)
    if isinstance(item, bytes | bytearray):
        return _cbor_head(2, len(item)) + bytes(item)
    if isinstance(item, str):
        data = item.encode("utf-8")
        return _cbor_head(3, len(data)) + data
    if isinstance(item, list | tuple):
        return _cbor_head(4, len(item)) + b"".join(dumps(x) for x in item)
    if isinstance(item, dict):
        return _cbor_head(5, len(item)) + b"".join(dumps(k) + dumps(v) for k, v in item.items())
    raise CodecError(f"cannot encode {type(item).__name__} as CBOR")


class _CborReader:
    """Recursive-descent CBOR decoder over a bytes buffer; bounded depth, every read bounds-checked."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CodecError("CBOR data truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def item(self, depth: int = 0) -> Any:
        if depth > _CBOR_MAX_DEPTH:
            raise CodecError("CBOR nested too deeply")
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            return self._simple(info)
        if info < 24:
            arg: int | None = info
        elif info <= 27:
            arg = int.from_bytes(self.take(1 << (info - 24)), "big")
        elif info == 31 and major in (2, 3, 4, 5):
            arg = None  # indefinite length
        else:
            raise CodecError(f"bad CBOR initial byte 0x{initial:02x}")
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg  # type: ignore[operator]
        if major in (2, 3):
            raw = self.take(arg) if arg is not None else self._chunks(major)
            if major == 2:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise CodecError("CBOR text string is not UTF-8") from None
        if major == 4:
            return self._array(arg, depth)
        if major == 5:
            return self._map(arg, depth)
        return self.item(depth + 1)  # major 6: a tag; the tagged value is what matters here

    def _simple(self, info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return float(struct.unpack(">e", self.take(2))[0])
        if info == 26:
            return float(struct.unpack(">f", self.take(4))[0])
        if info == 27:
            return float(struct.unpack(">d", self.take(8))[0])
        if info == 31:
            return _BREAK
        raise CodecError(f"unsupported CBOR simple value {info}")

    def _chunks(self, major: int) -> bytes:
        out = bytearray()
        while True:
            if self.pos < len(self.data) and self.data[self.pos] == 0xFF:
                self.pos += 1
                return bytes(out)
            initial = self.take(1)[0]
            info = initial & 0x1F
            if initial >> 5 != major or info > 27:
                raise CodecError("bad chunk in indefinite-length CBOR string")
            n = info if info < 24 else int.from_bytes(self.take(1 << (info - 24)), "big")
            out += self.take(n)

    def _array(self, arg: int | None, depth: int) -> list[Any]:
        out = []
        while arg is None or len(out) < arg:
            value = self.item(depth + 1)
            if value is _BREAK:
                if arg is None:
                    return out
                raise CodecError("unexpected CBOR break")
            out.append(value)
        return out

    def _map(self, arg: int | None, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        count = 0
        while arg is None or count < arg:
            key = self.item(depth + 1)
            if key is _BREAK:
                if arg is None:
                    return out
                raise CodecError("unexpected CBOR break")
            if isinstance(key, list | dict):
                raise CodecError("CBOR map key is not a scalar")
            value = self.item(depth + 1)
            if value is _BREAK:
                raise CodecError("CBOR map without a value for its last key")
            out[key] = value
            count += 1
        return out


def loads(data: bytes) -> Any:
    """Decode exactly one CBOR item; trailing bytes are an error."""
    reader = _CborReader(bytes(data))
    item = reader.item()
    if item is _BREAK:
        raise CodecError("unexpected CBOR break")
    if reader.pos != len(reader.data):
        raise CodecError(f"{len(reader.data) - reader.pos} bytes after the CBOR item")
    return item


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    """Content-Format 60: the one value at ``base``."""
    return dumps(single_value(base, values, "CBOR"))


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    single_base(base, "CBOR")
    value = loads(payload)
    if not isinstance(value, str | bytes | int | float):
        raise CodecError(f"CBOR item is a {type(value).__name__}, not a resource value")
    return {base: value}
