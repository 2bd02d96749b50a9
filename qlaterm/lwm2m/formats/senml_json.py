"""SenML JSON (Content-Format 110; RFC 8428, LwM2M 1.1 TS §7.4.5), and the SenML records SenML CBOR shares.

A record carries its name (``bn`` on the first record, ``n`` relative to it) and one value: ``v`` a
number (plus ``bv``), ``vs`` a string, ``vb`` a boolean, ``vd`` opaque (base64url in JSON, a byte string
in CBOR). When a path appears twice (a time series, say) the last value wins.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from qlaterm.lwm2m.errors import CodecError
from qlaterm.lwm2m.formats.records import full_path, is_number, json_dumps, json_loads, names, number
from qlaterm.lwm2m.formats.values import Scalar, sorted_items
from qlaterm.lwm2m.paths import Path

__all__ = ["decode", "encode", "from_records", "to_records"]

_VALUE_KEYS = ("v", "vs", "vb", "vd", "vlo")


def to_records(base: Path, values: Mapping[Path, Scalar], *, binary: bool) -> list[dict[str, Any]]:
    """SenML records: the base name on the first record only, one value field per record. ``binary``
    keeps ``vd`` a byte string (CBOR); JSON gets it as unpadded base64url (RFC 8428 §5)."""
    items = sorted_items(base, values)
    bn, record_names = names(base, items)
    records = []
    for index, ((_, value), name) in enumerate(zip(items, record_names, strict=True)):
        record: dict[str, Any] = {"bn": bn} if index == 0 else {}
        if name is not None:
            record["n"] = name
        if isinstance(value, bool):
            record["vb"] = value
        elif isinstance(value, int | float):
            record["v"] = number(value)
        elif isinstance(value, str):
            record["vs"] = value
        elif binary:
            record["vd"] = bytes(value)
        else:
            record["vd"] = base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")
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


def from_records(base: Path, records: Any) -> dict[Path, Scalar]:
    """The values of SenML records keyed by their JSON labels, checked field by field."""
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
            if not is_number(record["bv"]):
                raise CodecError('"bv" is not a number')
            bv = record["bv"]
        name = record.get("n", "")
        if not isinstance(name, str):
            raise CodecError('"n" is not a string')
        present = [key for key in _VALUE_KEYS if key in record]
        if not present:
            continue  # a name-only record (Read-Composite style) carries no value
        if len(present) > 1:
            raise CodecError(f"record {name!r} has more than one value")
        key = present[0]
        value = record[key]
        if key == "v":
            if not is_number(value):
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
        out[full_path(bn, name, base)] = value
    return out


def encode(base: Path, values: Mapping[Path, Scalar]) -> bytes:
    return json_dumps(to_records(base, values, binary=False))


def decode(base: Path, payload: bytes) -> dict[Path, Scalar]:
    return from_records(base, json_loads(payload))
