"""CBOR (RFC 8949) as the content formats use it, on cbor2; and Content-Format 60, one value in CBOR.

:func:`loads` and :func:`dumps` keep CBOR to the data model SenML and LwM2M values need — null, booleans,
integers of up to 64 bits, floats, text and byte strings, arrays, and maps keyed by text or integers —
and raise only :class:`CodecError`:

* exactly one item: bytes after it are an error;
* nesting is bounded (16 levels, tags counting as one);
* a tag is read as the value it tags, whatever its number: tags 0–5 do not become datetimes, bignums or
  decimals, and the sharing and string-reference tags are not followed;
* ``undefined`` and the other simple values are refused, as are map keys that are neither text nor an
  integer;
* a float is written as float32 when that holds it exactly, else as float64 (cbor2 writes every float as
  float64, or in canonical mode as the shortest width, half precision included).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from typing import Any

import cbor2

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.values import Scalar, float32_exact, single_base, single_value
from qlaterm.lwm2m.paths import Path

__all__ = ["MAX_DEPTH", "decode", "dumps", "encode", "loads"]

MAX_DEPTH = 16
"""How deep arrays, maps and tags may nest in a decoded item."""

# The tags cbor2 decodes into objects of its own (dates, bignums, decimals, sets, shared references,
# string references, …). Each is read as the value it tags; cbor2 hands every other tag to the tag hook.
_CBOR2_TAGS = (0, 1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261, 1004, 43000, 55799)
_INT_RANGE = range(-(2**64), 2**64)


def _tagged_value(value: Any, immutable: bool) -> Any:
    return value


def _tag_hook(tag: cbor2.CBORTag, immutable: bool) -> Any:
    return tag.value


_SEMANTIC_DECODERS = dict.fromkeys(_CBOR2_TAGS, _tagged_value)


def _plain(item: Any) -> Any:
    """``item`` in the data model above (tagged arrays and maps, which cbor2 may give as tuples and
    frozen dicts, as lists and dicts); CodecError for anything outside it."""
    if item is cbor2.undefined:
        raise CodecError("CBOR undefined is not a value")
    if isinstance(item, cbor2.CBORSimpleValue):
        raise CodecError(f"unsupported CBOR simple value {item.value}")
    if item is None or isinstance(item, bool | float | str | bytes):
        return item
    if isinstance(item, int):
        if item not in _INT_RANGE:
            raise CodecError(f"integer {item} does not fit in CBOR's 64 bits")
        return item
    if isinstance(item, bytearray):
        return bytes(item)
    if isinstance(item, list | tuple):
        return [_plain(x) for x in item]
    if isinstance(item, Mapping):
        for key in item:
            if type(key) not in (str, int):
                raise CodecError(f"CBOR map key {key!r} is neither text nor an integer")
        return {key: _plain(value) for key, value in item.items()}
    raise CodecError(f"cannot carry {type(item).__name__} in CBOR")


def loads(data: bytes) -> Any:
    """Decode exactly one CBOR item."""
    data = bytes(data)
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(
        stream, tag_hook=_tag_hook, semantic_decoders=_SEMANTIC_DECODERS, max_depth=MAX_DEPTH
    )
    try:
        item = decoder.decode()
    except cbor2.CBORDecodeError as exc:
        raise CodecError(f"bad CBOR: {exc}") from None
    if stream.tell() != len(data):
        raise CodecError(f"{len(data) - stream.tell()} bytes after the CBOR item")
    return _plain(item)


def _encode_float(encoder: cbor2.CBOREncoder, value: float) -> None:
    if float32_exact(value):
        encoder.write(b"\xfa" + struct.pack(">f", value))
    else:
        encoder.write(b"\xfb" + struct.pack(">d", value))


def dumps(item: Any) -> bytes:
    """Encode null, booleans, ints, floats (float32 when exact), text, bytes, lists and dicts."""
    try:
        return cbor2.dumps(_plain(item), encoders={float: _encode_float})
    except cbor2.CBOREncodeError as exc:
        raise CodecError(f"cannot encode as CBOR: {exc}") from None


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    """Content-Format 60: the one value at ``base``."""
    return dumps(single_value(base, values, "CBOR"))


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    single_base(base, "CBOR")
    value = loads(payload)
    if not isinstance(value, str | bytes | int | float):
        raise CodecError(f"CBOR item is a {type(value).__name__}, not a resource value")
    return {base: value}
