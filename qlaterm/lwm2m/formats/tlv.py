"""OMA LwM2M TLV (Content-Format 11542, and 1542 before registration; TS 1.0 §6.4.3).

TLV carries no types: the decoder returns each value's raw ``bytes``, and the ``tlv_*`` readers interpret
them once the caller knows the resource's type from the object model.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.values import Scalar, float32_exact, payload_path, sorted_items
from qlaterm.lwm2m.paths import Path, format_path

__all__ = [
    "base_depth",
    "decode",
    "encode",
    "objlnk_bytes",
    "scalar_bytes",
    "tlv_bool",
    "tlv_float",
    "tlv_int",
    "tlv_objlnk",
    "tlv_str",
    "tlv_value",
]

_MAX_LENGTH = 0xFFFFFF

# --------------------------------------------------------------------------------------------------
# Value bytes


def scalar_bytes(value: Scalar) -> bytes:
    """The TLV value bytes of a scalar (OMA LwM2M 1.0 TS 6.4.3 / appendix C data types).

    Integers use the shortest of 1, 2, 4 or 8 bytes (two's complement, big-endian); floats use 4 bytes
    when a float32 holds the value exactly, else 8; booleans one byte; strings UTF-8; bytes as they are.
    """
    if isinstance(value, bool):
        return b"\x01" if value else b"\x00"
    if isinstance(value, int):
        for size in (1, 2, 4, 8):
            lo = -(1 << (size * 8 - 1))
            if lo <= value < -lo:
                return value.to_bytes(size, "big", signed=True)
        raise CodecError(f"integer {value} does not fit in 64 bits")
    if isinstance(value, float):
        if float32_exact(value):
            return struct.pack(">f", value)
        return struct.pack(">d", value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    raise CodecError(f"unsupported value type {type(value).__name__}")


def tlv_int(b: bytes) -> int:
    """Signed big-endian integer of 1..8 bytes (the spec says 1, 2, 4 or 8; any size up to 8 is read)."""
    if not 1 <= len(b) <= 8:
        raise CodecError(f"integer of {len(b)} bytes")
    return int.from_bytes(b, "big", signed=True)


def _tlv_unsigned(b: bytes) -> int:
    if not 1 <= len(b) <= 8:
        raise CodecError(f"integer of {len(b)} bytes")
    return int.from_bytes(b, "big")


def tlv_float(b: bytes) -> float:
    """IEEE-754 float of 4 or 8 bytes, big-endian."""
    if len(b) == 4:
        return float(struct.unpack(">f", b)[0])
    if len(b) == 8:
        return float(struct.unpack(">d", b)[0])
    raise CodecError(f"float of {len(b)} bytes")


def tlv_bool(b: bytes) -> bool:
    """One byte, 0 or 1."""
    if b not in (b"\x00", b"\x01"):
        raise CodecError(f"boolean {b.hex()}")
    return b == b"\x01"


def tlv_str(b: bytes) -> str:
    """UTF-8 string."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodecError(f"string is not UTF-8: {exc.reason}") from None


def tlv_objlnk(b: bytes) -> str:
    """Object link: two 16-bit ids → ``"obj:inst"`` (the textual form JSON and SenML use)."""
    if len(b) != 4:
        raise CodecError(f"object link of {len(b)} bytes")
    obj, inst = struct.unpack(">HH", b)
    return f"{obj}:{inst}"


def objlnk_bytes(text: str) -> bytes:
    """``"obj:inst"`` → the 4 TLV bytes of an object link."""
    obj_s, sep, inst_s = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return struct.pack(">HH", int(obj_s), int(inst_s))
    except (ValueError, struct.error):
        raise CodecError(f"bad object link {text!r}") from None


_READERS: dict[str, Callable[[bytes], Scalar]] = {
    "string": tlv_str,
    "integer": tlv_int,
    "unsigned": _tlv_unsigned,
    "time": tlv_int,
    "float": tlv_float,
    "boolean": tlv_bool,
    "opaque": bytes,
    "objlnk": tlv_objlnk,
}


def tlv_value(b: bytes, kind: str) -> Scalar:
    """Interpret TLV bytes as the LwM2M data type ``kind`` (string, integer, unsigned, time, float,
    boolean, opaque, objlnk), as named in the object model."""
    reader = _READERS.get(kind.lower())
    if reader is None:
        raise CodecError(f"unknown data type {kind!r}")
    return reader(bytes(b))


# --------------------------------------------------------------------------------------------------
# Framing

_OBJ_INST, _RES_INST, _MULTI_RES, _RES = 0, 1, 2, 3
_BASE_DEPTH = {_OBJ_INST: 1, _RES: 2, _MULTI_RES: 2, _RES_INST: 3}


def base_depth(payload: bytes) -> int:
    """How deep a request path the first TLV of a non-empty ``payload`` answers: an object-instance TLV
    answers an object (1), a resource TLV an instance (2), a resource-instance TLV a resource (3)."""
    return _BASE_DEPTH[payload[0] >> 6]


def _tlv(kind: int, ident: int, value: bytes) -> bytes:
    """One TLV: type byte, 8/16-bit identifier, length in the type byte or an 8/16/24-bit field."""
    length = len(value)
    type_byte = kind << 6
    id_bytes = ident.to_bytes(2 if ident > 0xFF else 1, "big")
    if ident > 0xFF:
        type_byte |= 0x20
    if length < 8:
        type_byte |= length
        len_bytes = b""
    elif length <= _MAX_LENGTH:
        size = 1 if length <= 0xFF else 2 if length <= 0xFFFF else 3
        type_byte |= size << 3
        len_bytes = length.to_bytes(size, "big")
    else:
        raise CodecError(f"TLV value of {length} bytes is longer than 24 bits")
    return bytes([type_byte]) + id_bytes + len_bytes + value


def _tlv_items(data: bytes) -> list[tuple[int, int, bytes]]:
    """Split a TLV sequence into (kind, id, value) triples, checking every length against the data."""
    items = []
    pos, end = 0, len(data)
    while pos < end:
        type_byte = data[pos]
        id_size = 2 if type_byte & 0x20 else 1
        len_size = (type_byte >> 3) & 0x03
        header = 1 + id_size + len_size
        if pos + header > end:
            raise CodecError(f"TLV header truncated at byte {pos}")
        ident = int.from_bytes(data[pos + 1 : pos + 1 + id_size], "big")
        # Bits 4-3 say where the length is: in bits 2-0 of the type byte, or in a 1..3-byte field.
        length_field = data[pos + 1 + id_size : pos + header]
        length = int.from_bytes(length_field, "big") if len_size else type_byte & 0x07
        start = pos + header
        if start + length > end:
            raise CodecError(f"TLV value at byte {start} needs {length} bytes, {end - start} left")
        items.append((type_byte >> 6, ident, data[start : start + length]))
        pos = start + length
    return items


def _encode_resources(items: list[tuple[Path, Scalar]]) -> bytes:
    """Resource and multiple-resource TLVs for values of one object instance (sorted by path)."""
    out = bytearray()
    by_res: dict[int, list[tuple[Path, Scalar]]] = {}
    for path, value in items:
        by_res.setdefault(path[2], []).append((path, value))
    for res, group in by_res.items():
        single = [v for p, v in group if len(p) == 3]
        if single and len(group) > 1:
            raise CodecError(f"resource {format_path(group[0][0][:3])} given both as single and multiple")
        if single:
            out += _tlv(_RES, res, scalar_bytes(single[0]))
        else:
            inner = b"".join(_tlv(_RES_INST, p[3], scalar_bytes(v)) for p, v in group)
            out += _tlv(_MULTI_RES, res, inner)
    return bytes(out)


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    if not base:
        raise CodecError("TLV needs at least an object path")
    items = sorted_items(base, values)
    if len(base) == 1:
        by_inst: dict[int, list[tuple[Path, Scalar]]] = {}
        for path, value in items:
            by_inst.setdefault(path[1], []).append((path, value))
        return b"".join(_tlv(_OBJ_INST, inst, _encode_resources(group)) for inst, group in by_inst.items())
    if len(base) == 4:
        if len(items) != 1:
            raise CodecError("a resource-instance path carries exactly one value")
        return _tlv(_RES_INST, base[3], scalar_bytes(items[0][1]))
    return _encode_resources(items)


def _decode_resource(inst_path: Path, kind: int, ident: int, value: bytes, out: dict[Path, Scalar]) -> None:
    if kind == _RES:
        out[(*inst_path, ident)] = bytes(value)
    elif kind == _MULTI_RES:
        for sub_kind, sub_id, sub_value in _tlv_items(value):
            if sub_kind != _RES_INST:
                raise CodecError("a multiple-resource TLV may hold only resource instances")
            out[(*inst_path, ident, sub_id)] = bytes(sub_value)
    else:
        raise CodecError("an object-instance TLV may hold only resources")


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    """Raw value bytes keyed by full path; read them with :func:`tlv_value` or a ``tlv_*`` reader."""
    if not base:
        raise CodecError("TLV needs at least an object path")
    out: dict[Path, Scalar] = {}
    for kind, ident, value in _tlv_items(payload):
        if kind == _OBJ_INST:
            if len(base) > 2 or (len(base) == 2 and ident != base[1]):
                raise CodecError(f"object-instance TLV {ident} under {format_path(base)}")
            for sub_kind, sub_id, sub_value in _tlv_items(value):
                _decode_resource((base[0], ident), sub_kind, sub_id, sub_value, out)
        elif kind in (_RES, _MULTI_RES):
            if len(base) < 2:
                raise CodecError(f"resource TLV directly under object {format_path(base)}")
            _decode_resource(base[:2], kind, ident, value, out)
        else:
            if len(base) < 3:
                raise CodecError(f"resource-instance TLV under {format_path(base)}")
            out[(*base[:3], ident)] = bytes(value)
    for path in out:
        payload_path(path, base)
    return out
