"""LwM2M content formats: plain text, opaque, TLV, LwM2M JSON, SenML JSON/CBOR, CBOR and CoRE link format.

Both ends of the simulator's LwM2M traffic go through this module: the simulated module's client encodes
read answers and decodes writes, the bundled server encodes writes, decodes read answers and notifications,
and prints one-line summaries of payloads in its CoAP log. Keeping one codec for both ends means a payload
the server accepts is, by construction, one the client could have produced — so interop with peers written
elsewhere (libcoap, lwm2m-node-lib) is tested separately.

Conventions shared by every format:

* Values are keyed by full paths: ``(obj, inst, res)`` or ``(obj, inst, res, res_inst)``, each id
  0..65535. ``base`` is the path of the request (what was read, written or observed); every value lies
  under it, and a decoded path outside ``base`` is an error.
* Decoders raise only :class:`CodecError` on bad input, so a malformed datagram can always be answered
  with 4.00 (or dropped) instead of crashing the endpoint.
* TLV carries no types: its decoder returns raw ``bytes``; the ``tlv_*`` helpers interpret them once the
  caller knows the resource's type from the object model. Text returns ``str``. JSON and SenML carry
  their own types and return ``int``/``float``/``str``/``bool``/``bytes``.
* When a path appears twice in one payload (a SenML time series, say) the last value wins.

The CBOR subset SenML CBOR needs lives in :mod:`qlaterm.lwm2m.cbor`, the CoRE link format in
:mod:`qlaterm.lwm2m.linkformat`, and both are re-exported here.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any

from qlaterm.lwm2m.cbor import cbor_dumps, cbor_loads, float32_exact
from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.linkformat import Link, link_format, parse_link_format
from qlaterm.lwm2m.paths import Path, PathError, check_path, format_path, is_under, parse_path

__all__ = [
    "CodecError",
    "ContentFormat",
    "Link",
    "Path",
    "Scalar",
    "cbor_dumps",
    "cbor_loads",
    "decode",
    "describe",
    "encode",
    "format_label",
    "link_format",
    "objlnk_bytes",
    "parse_link_format",
    "scalar_bytes",
    "text_of",
    "tlv_bool",
    "tlv_float",
    "tlv_int",
    "tlv_objlnk",
    "tlv_str",
    "tlv_value",
]

Scalar = str | bytes | int | float | bool
_MAX_TLV_LENGTH = 0xFFFFFF
_INT64 = (-(2**63), 2**63 - 1)


class ContentFormat(IntEnum):
    """CoAP Content-Format numbers used by LwM2M 1.0/1.1 (and the pre-registration 15xx numbers
    that older servers such as lwm2m-node-lib still send)."""

    TEXT = 0
    LINK = 40
    OPAQUE = 42
    CBOR = 60
    SENML_JSON = 110
    SENML_CBOR = 112
    OLD_TEXT = 1541
    OLD_TLV = 1542
    OLD_JSON = 1543
    OLD_OPAQUE = 1544
    TLV = 11542
    LWM2M_JSON = 11543


_LABELS: dict[int, str] = {
    ContentFormat.TEXT: "text",
    ContentFormat.LINK: "link",
    ContentFormat.OPAQUE: "opaque",
    ContentFormat.CBOR: "cbor",
    ContentFormat.SENML_JSON: "senml+json",
    ContentFormat.SENML_CBOR: "senml+cbor",
    ContentFormat.OLD_TEXT: "text(1541)",
    ContentFormat.OLD_TLV: "tlv(1542)",
    ContentFormat.OLD_JSON: "json(1543)",
    ContentFormat.OLD_OPAQUE: "opaque(1544)",
    ContentFormat.TLV: "tlv",
    ContentFormat.LWM2M_JSON: "lwm2m+json",
}

_TEXT_FORMATS = frozenset({ContentFormat.TEXT, ContentFormat.OLD_TEXT})
_OPAQUE_FORMATS = frozenset({ContentFormat.OPAQUE, ContentFormat.OLD_OPAQUE})
_TLV_FORMATS = frozenset({ContentFormat.TLV, ContentFormat.OLD_TLV})
_LWM2M_JSON_FORMATS = frozenset({ContentFormat.LWM2M_JSON, ContentFormat.OLD_JSON})


def format_label(fmt: int | None) -> str:
    """Short name of a content format for logs (``tlv``, ``senml+json``, ``ct=99`` for unknown ones)."""
    if fmt is None:
        return "no-format"
    return _LABELS.get(fmt, f"ct={fmt}")


# --------------------------------------------------------------------------------------------------
# Paths


def _check_path(path: object, base: Path, min_len: int = 1) -> Path:
    """Validate one key of an ``encode`` mapping: a tuple of ids under ``base``."""
    path = check_path(path, min_depth=min_len)
    if not is_under(path, base):
        raise CodecError(f"path {format_path(path)} is not under {format_path(base)}")
    return path


def _under(path: Path, base: Path) -> Path:
    """Reject a decoded path that lies outside the request's path."""
    if not is_under(path, base):
        raise CodecError(f"payload path {format_path(path)} is not under {format_path(base)}")
    return path


def _check_base(base: object) -> Path:
    try:
        return check_path(base)
    except PathError:
        raise CodecError(f"bad base path {base!r}") from None


def _check_scalar(value: object) -> Scalar:
    if not isinstance(value, str | bytes | int | float):  # bool is an int
        raise CodecError(f"unsupported value type {type(value).__name__}")
    return value


# --------------------------------------------------------------------------------------------------
# TLV value bytes


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


_TLV_READERS: dict[str, Callable[[bytes], Scalar]] = {
    "string": tlv_str,
    "integer": tlv_int,
    "unsigned": lambda b: int.from_bytes(b, "big") if 1 <= len(b) <= 8 else tlv_int(b),
    "time": tlv_int,
    "float": tlv_float,
    "boolean": tlv_bool,
    "opaque": bytes,
    "objlnk": tlv_objlnk,
}


def tlv_value(b: bytes, kind: str) -> Scalar:
    """Interpret TLV bytes as the LwM2M data type ``kind`` (string, integer, unsigned, time, float,
    boolean, opaque, objlnk), as named in the object model."""
    reader = _TLV_READERS.get(kind.lower())
    if reader is None:
        raise CodecError(f"unknown data type {kind!r}")
    return reader(bytes(b))


# --------------------------------------------------------------------------------------------------
# TLV framing

_OBJ_INST, _RES_INST, _MULTI_RES, _RES = 0, 1, 2, 3


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
    elif length <= _MAX_TLV_LENGTH:
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


def _encode_tlv(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    if not base:
        raise CodecError("TLV needs at least an object path")
    items = sorted((_check_path(p, base, 3), _check_scalar(v)) for p, v in values.items())
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


def _decode_tlv(base: Path, payload: bytes) -> dict[Path, Scalar]:
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
        _under(path, base)
    return out


# --------------------------------------------------------------------------------------------------
# Single-value formats: text, opaque, CBOR


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


def _single(base: Path, values: Mapping[Path, Scalar], fmt_name: str) -> Scalar:
    """The one value a single-resource format carries; it must sit at ``base`` itself."""
    if len(base) < 3:
        raise CodecError(f"{fmt_name} carries one resource; {format_path(base)} is not a resource path")
    if len(values) != 1 or base not in values:
        raise CodecError(f"{fmt_name} carries exactly one value, at {format_path(base)}")
    return _check_scalar(values[base])


def _single_base(base: Path, fmt_name: str) -> Path:
    if len(base) < 3:
        raise CodecError(f"{fmt_name} carries one resource; {format_path(base)} is not a resource path")
    return base


# --------------------------------------------------------------------------------------------------
# LwM2M JSON (1.0) and SenML JSON / CBOR (1.1)


def _names(base: Path, items: list[tuple[Path, Scalar]]) -> tuple[str, list[str | None]]:
    """Base name and per-record names. A single value at ``base`` itself gets ``bn`` = its path and no
    ``n`` (as Leshan writes it); otherwise ``bn`` ends in ``/`` and each ``n`` is relative to it."""
    if len(items) == 1 and items[0][0] == base and base:
        return format_path(base), [None]
    prefix = format_path(base) + "/" if base else "/"
    return prefix, ["/".join(str(p) for p in path[len(base) :]) for path, _ in items]


def _full_path(bn: str, n: str, base: Path) -> Path:
    """Resolve a record's name. Names that do not start with ``/`` are relative to the request path."""
    name = bn + n
    if not name:
        return base
    if not name.startswith("/"):
        name = format_path(base) + "/" + name
    path = parse_path(name)
    if len(path) < 3:
        raise CodecError(f"record name {name!r} is not a resource path")
    return _under(path, base)


def _json_loads(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CodecError(f"not JSON: {exc}") from None


def _json_dumps(document: Any) -> bytes:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except ValueError as exc:
        raise CodecError(str(exc)) from None


def _number(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise CodecError(f"{value} cannot be sent as a JSON number")
    return value


def _encode_lwm2m_json(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    items = sorted((_check_path(p, base, 3), _check_scalar(v)) for p, v in values.items())
    bn, names = _names(base, items)
    entries = []
    for (_, value), name in zip(items, names, strict=True):
        entry: dict[str, Any] = {} if name is None else {"n": name}
        if isinstance(value, bool):
            entry["bv"] = value
        elif isinstance(value, int | float):
            entry["v"] = _number(value)
        elif isinstance(value, str):
            entry["sv"] = value
        else:
            entry["sv"] = base64.b64encode(value).decode("ascii")  # 1.0 has no opaque type: base64 in sv
        entries.append(entry)
    return _json_dumps({"bn": bn, "e": entries})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decode_lwm2m_json(base: Path, payload: bytes) -> dict[Path, Scalar]:
    document = _json_loads(payload)
    if not isinstance(document, dict) or not isinstance(document.get("e"), list):
        raise CodecError('LwM2M JSON needs an object with an "e" array')
    bn = document.get("bn", "")
    if not isinstance(bn, str):
        raise CodecError('"bn" is not a string')
    out: dict[Path, Scalar] = {}
    for entry in document["e"]:
        if not isinstance(entry, dict):
            raise CodecError("LwM2M JSON entry is not an object")
        name = entry.get("n", "")
        if not isinstance(name, str):
            raise CodecError('"n" is not a string')
        present = [key for key in ("v", "sv", "bv", "ov") if key in entry]
        if len(present) != 1:
            raise CodecError(f"entry {name!r} needs exactly one of v, sv, bv, ov")
        key = present[0]
        value = entry[key]
        if key == "v" and not _is_number(value):
            raise CodecError(f'"v" of {name!r} is not a number')
        if key in ("sv", "ov") and not isinstance(value, str):
            raise CodecError(f'"{key}" of {name!r} is not a string')
        if key == "bv" and not isinstance(value, bool):
            raise CodecError(f'"bv" of {name!r} is not a boolean')
        out[_full_path(bn, name, base)] = value
    return out


# SenML labels (RFC 8428 table 4 / table 6) and their CBOR integer keys.
_SENML_CBOR_KEYS = {"bver": -1, "bn": -2, "bt": -3, "bu": -4, "bv": -5, "bs": -6, "n": 0, "u": 1, "v": 2,
                    "vs": 3, "vb": 4, "s": 5, "t": 6, "ut": 7, "vd": 8}
_SENML_CBOR_NAMES = {v: k for k, v in _SENML_CBOR_KEYS.items()}
_SENML_VALUE_KEYS = ("v", "vs", "vb", "vd", "vlo")


def _senml_records(base: Path, values: Mapping[Path, Scalar], cbor: bool) -> list[dict[str, Any]]:
    """SenML records: the base name on the first record only, one value field per record."""
    items = sorted((_check_path(p, base, 3), _check_scalar(v)) for p, v in values.items())
    bn, names = _names(base, items)
    records = []
    for index, ((_, value), name) in enumerate(zip(items, names, strict=True)):
        record: dict[str, Any] = {"bn": bn} if index == 0 else {}
        if name is not None:
            record["n"] = name
        if isinstance(value, bool):
            record["vb"] = value
        elif isinstance(value, int | float):
            record["v"] = _number(value)
        elif isinstance(value, str):
            record["vs"] = value
        elif cbor:
            record["vd"] = bytes(value)
        else:
            record["vd"] = base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")  # RFC 8428 §5
        records.append(record)
    return records


def _b64_any(text: str) -> bytes:
    """base64 or base64url, padded or not: peers disagree on which one SenML ``vd`` uses."""
    if not text.isascii():
        raise CodecError("vd is not base64")
    cleaned = text.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise CodecError(f"vd is not base64: {text[:40]!r}") from None


def _decode_senml(base: Path, records: Any) -> dict[Path, Scalar]:
    """Shared by SenML JSON and CBOR once the CBOR labels have been mapped to their JSON names."""
    if not isinstance(records, list):
        raise CodecError("SenML needs an array of records")
    out: dict[Path, Scalar] = {}
    bn: str = ""
    bv: int | float = 0
    for record in records:
        if not isinstance(record, dict):
            raise CodecError("SenML record is not a map")
        if "bn" in record:
            if not isinstance(record["bn"], str):
                raise CodecError('"bn" is not a string')
            bn = record["bn"]
        if "bv" in record:
            if not _is_number(record["bv"]):
                raise CodecError('"bv" is not a number')
            bv = record["bv"]
        name = record.get("n", "")
        if not isinstance(name, str):
            raise CodecError('"n" is not a string')
        present = [key for key in _SENML_VALUE_KEYS if key in record]
        if not present:
            continue  # a name-only record (Read-Composite style) carries no value
        if len(present) > 1:
            raise CodecError(f"record {name!r} has more than one value")
        key = present[0]
        value = record[key]
        if key == "v":
            if not _is_number(value):
                raise CodecError(f'"v" of {name!r} is not a number')
            try:
                value = value + bv if bv else value
            except OverflowError:
                raise CodecError(f'"v" of {name!r} plus "bv" overflows') from None
        elif key == "vb":
            if not isinstance(value, bool):
                raise CodecError(f'"vb" of {name!r} is not a boolean')
        elif key == "vd":
            if isinstance(value, str):
                value = _b64_any(value)
            elif not isinstance(value, bytes):
                raise CodecError(f'"vd" of {name!r} is neither bytes nor base64')
        elif not isinstance(value, str):
            raise CodecError(f'"{key}" of {name!r} is not a string')
        out[_full_path(bn, name, base)] = value
    return out


def _decode_senml_cbor(base: Path, payload: bytes) -> dict[Path, Scalar]:
    records = cbor_loads(payload)
    if not isinstance(records, list):
        raise CodecError("SenML needs an array of records")
    renamed = []
    for record in records:
        if not isinstance(record, dict):
            raise CodecError("SenML record is not a map")
        renamed.append({_SENML_CBOR_NAMES.get(k, k) if type(k) is int else k: v for k, v in record.items()})
    return _decode_senml(base, renamed)


# --------------------------------------------------------------------------------------------------
# encode / decode


def encode(fmt: int, base: Path, values: Mapping[Path, Scalar]) -> bytes:
    """Encode ``values`` (full paths under ``base``) in content format ``fmt``.

    Text, opaque and CBOR carry exactly one value, which must sit at ``base`` (a resource path). Opaque
    takes bytes (or a string, sent as UTF-8); anything else raises CodecError, which a client answers
    with 4.06 Not Acceptable. TLV, JSON and SenML take any number of resources under ``base``.
    """
    base = _check_base(base)
    if fmt in _TLV_FORMATS:
        return _encode_tlv(base, values)
    if fmt in _TEXT_FORMATS:
        return text_of(_single(base, values, "text")).encode("utf-8")
    if fmt in _OPAQUE_FORMATS:
        value = _single(base, values, "opaque")
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        raise CodecError(f"opaque carries bytes, not {type(value).__name__}")
    if fmt in _LWM2M_JSON_FORMATS:
        return _encode_lwm2m_json(base, values)
    if fmt == ContentFormat.SENML_JSON:
        return _json_dumps(_senml_records(base, values, cbor=False))
    if fmt == ContentFormat.SENML_CBOR:
        records = _senml_records(base, values, cbor=True)
        return cbor_dumps([{_SENML_CBOR_KEYS.get(k, k): v for k, v in r.items()} for r in records])
    if fmt == ContentFormat.CBOR:
        return cbor_dumps(_single(base, values, "CBOR"))
    if fmt == ContentFormat.LINK:
        raise CodecError("link-format carries links, not values: use link_format()")
    raise CodecError(f"unsupported content format {fmt}")


def decode(fmt: int, base: Path, payload: bytes) -> dict[Path, Scalar]:
    """Decode ``payload`` in content format ``fmt`` into values keyed by full paths under ``base``.

    TLV and opaque give bytes, text gives str, the self-describing formats give typed values.
    Raises only CodecError.
    """
    base = _check_base(base)
    payload = bytes(payload)
    if fmt in _TLV_FORMATS:
        return _decode_tlv(base, payload)
    if fmt in _TEXT_FORMATS:
        return {_single_base(base, "text"): tlv_str(payload)}
    if fmt in _OPAQUE_FORMATS:
        return {_single_base(base, "opaque"): payload}
    if fmt in _LWM2M_JSON_FORMATS:
        return _decode_lwm2m_json(base, payload)
    if fmt == ContentFormat.SENML_JSON:
        return _decode_senml(base, _json_loads(payload))
    if fmt == ContentFormat.SENML_CBOR:
        return _decode_senml_cbor(base, payload)
    if fmt == ContentFormat.CBOR:
        _single_base(base, "CBOR")
        value = cbor_loads(payload)
        if not isinstance(value, str | bytes | int | float):
            raise CodecError(f"CBOR item is a {type(value).__name__}, not a resource value")
        return {base: value}
    if fmt == ContentFormat.LINK:
        raise CodecError("link-format carries links, not values: use parse_link_format()")
    raise CodecError(f"unsupported content format {fmt}")


# --------------------------------------------------------------------------------------------------
# describe: one line for a CoAP log

_DESCRIBE_MAX = 300
_TLV_BASE_DEPTH = {_OBJ_INST: 1, _RES: 2, _MULTI_RES: 2, _RES_INST: 3}


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None


def _show_value(value: Scalar, untyped: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if not untyped:
        return "0x" + value.hex()
    # TLV bytes carry no type: show every reading that is plausible, so b"d" is both 100 and "d".
    text = _printable(value)
    quoted = json.dumps(text, ensure_ascii=False) if text is not None else None
    if len(value) in (1, 2, 4, 8):
        readings = [str(int.from_bytes(value, "big", signed=True))]
        if quoted is not None:
            readings.append(quoted)
        return f"0x{value.hex()}({','.join(readings)})"
    return quoted if quoted is not None else "0x" + value.hex()


def _show_path(path: Path, unknown: int) -> str:
    return "/" + "/".join("?" if i < unknown else str(p) for i, p in enumerate(path))


def _describe(fmt: int | None, payload: bytes, base: Path) -> str:
    label = format_label(fmt)
    if not payload:
        return f"{label} (empty)"
    if fmt in _TLV_FORMATS or fmt in _LWM2M_JSON_FORMATS or fmt in (
        ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.CBOR,
    ):
        unknown = 0
        if fmt in _TLV_FORMATS and not base:
            # No request path known: show the structure with '?' for the ids the TLV does not carry.
            unknown = _TLV_BASE_DEPTH[payload[0] >> 6]
            base = (0,) * unknown
        elif fmt == ContentFormat.CBOR and len(base) < 3:
            return f"{label} {cbor_loads(payload)!r}"
        values = decode(fmt, base, payload)
        shown = " ".join(
            f"{_show_path(p, unknown)}={_show_value(v, fmt in _TLV_FORMATS)}" for p, v in values.items()
        )
        return f"{label} {len(payload)}B {shown}".rstrip()
    if fmt in _OPAQUE_FORMATS:
        return f"{label} {len(payload)}B 0x{payload.hex()}"
    if fmt == ContentFormat.LINK:
        text = payload.decode("utf-8")
        parse_link_format(text)
        return f"{label} {text}"
    text = _printable(payload)
    if text is not None:
        return f"{label} {json.dumps(text, ensure_ascii=False)}"
    return f"{label} {len(payload)}B 0x{payload.hex()}"


def describe(fmt: int | None, payload: bytes, base: Path = ()) -> str:
    """One human-readable line for a CoAP log: the decoded values, else the payload in hex.

    Never raises: a log line must not take the endpoint down, whatever a peer sent.
    """
    try:
        line = _describe(fmt, bytes(payload), tuple(base))
    except Exception:  # logging must survive any payload, whatever the decoder thinks of it
        try:
            line = f"{format_label(fmt)} {len(payload)}B 0x{bytes(payload).hex()} (undecodable)"
        except Exception:
            line = f"{format_label(fmt)} (undecodable {type(payload).__name__})"
    line = line.replace("\r", "\\r").replace("\n", "\\n")
    return line if len(line) <= _DESCRIBE_MAX else line[: _DESCRIBE_MAX - 1] + "…"
